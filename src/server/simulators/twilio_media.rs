//! Recording audio served by the Twilio fake (`GET …/Recordings/<sid>.mp3`) with single byte
//! ranges, as Twilio's media endpoint answers them: 200 whole, 206 partial, 416 unsatisfiable.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::twilio::FakeTwilio;

/// A `Range` that cannot be satisfied (416).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against a body of `len` bytes: the inclusive range,
/// `Ok(None)` without a usable header.
pub fn byte_range(
    header: Option<&str>,
    len: usize,
) -> Result<Option<(usize, usize)>, Unsatisfiable> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    let (start, end) = spec.split_once('-').ok_or(Unsatisfiable)?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: usize = suffix.parse().map_err(|_| Unsatisfiable)?;
            (
                len.saturating_sub(n),
                len.checked_sub(1).ok_or(Unsatisfiable)?,
            )
        }
        (start, "") => (
            start.parse().map_err(|_| Unsatisfiable)?,
            len.checked_sub(1).ok_or(Unsatisfiable)?,
        ),
        (start, end) => {
            let end: usize = end.parse().map_err(|_| Unsatisfiable)?;
            (
                start.parse().map_err(|_| Unsatisfiable)?,
                end.min(len.saturating_sub(1)),
            )
        }
    };
    if start >= len || start > end {
        return Err(Unsatisfiable);
    }
    Ok(Some((start, end)))
}

pub async fn recording(
    State(fake): State<FakeTwilio>,
    Path((_, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let sid = file.trim_end_matches(".mp3").trim_end_matches(".json");
    let Some(audio) = fake.state().recording_audio.get(sid).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    match byte_range(range, audio.len()) {
        Ok(None) => (
            [
                (header::CONTENT_TYPE, "audio/mpeg".to_owned()),
                (header::ACCEPT_RANGES, "bytes".to_owned()),
            ],
            Body::from(audio),
        )
            .into_response(),
        Ok(Some((start, end))) => (
            StatusCode::PARTIAL_CONTENT,
            [
                (header::CONTENT_TYPE, "audio/mpeg".to_owned()),
                (header::ACCEPT_RANGES, "bytes".to_owned()),
                (
                    header::CONTENT_RANGE,
                    format!("bytes {start}-{end}/{}", audio.len()),
                ),
            ],
            Body::from(audio[start..=end].to_vec()),
        )
            .into_response(),
        Err(Unsatisfiable) => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{}", audio.len()))],
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(byte_range(None, 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-3"), 10), Ok(Some((0, 3))));
        assert_eq!(byte_range(Some("bytes=5-"), 10), Ok(Some((5, 9))));
        assert_eq!(byte_range(Some("bytes=-4"), 10), Ok(Some((6, 9))));
        assert_eq!(byte_range(Some("bytes=8-100"), 10), Ok(Some((8, 9))));
        assert_eq!(byte_range(Some("bytes=10-"), 10), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=4-2"), 10), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=x-2"), 10), Err(Unsatisfiable));
    }
}
