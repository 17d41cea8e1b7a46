//! Recording audio (twilio.md §10.4): `GET <recording_url>.mp3` with Basic auth and the
//! listener's `Range`, streamed back by the caller. With a non-default `TWILIO_API_BASE` the
//! scheme and host are replaced by it (the path kept), so tests reach the fake.

use std::time::Duration;

use super::{TwilioClient, TwilioError, classify};

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// Connecting and each read may take this long; a long recording may stream for longer.
const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// The URL to fetch: `.mp3` appended, the host swapped for a non-default API base.
pub fn media_url(recording_url: &str, api_base: &str) -> Option<String> {
    let parsed = url::Url::parse(recording_url).ok()?;
    let path = parsed
        .path()
        .trim_end_matches(".json")
        .trim_end_matches(".mp3");
    let base = if api_base.trim_end_matches('/') == DEFAULT_API_BASE {
        format!("{}://{}", parsed.scheme(), parsed.host_str()?)
    } else {
        api_base.trim_end_matches('/').to_owned()
    };
    Some(format!("{base}{path}.mp3"))
}

impl TwilioClient {
    /// The upstream response, whatever its status, for the proxy to map and stream.
    pub async fn fetch_recording(
        &self,
        recording_url: &str,
        range: Option<&str>,
    ) -> Result<reqwest::Response, TwilioError> {
        let (sid, token) = self.credentials()?;
        let url = media_url(recording_url, &self.api_base)
            .ok_or_else(|| TwilioError::Decode("recording URL does not parse".into()))?;
        let mut request = self
            .streaming
            .get(url)
            .basic_auth(sid, Some(token.expose()));
        if let Some(range) = range {
            request = request.header(reqwest::header::RANGE, range);
        }
        request.send().await.map_err(classify)
    }
}

/// The client for media: no overall deadline (audio streams), but a read timeout.
pub fn streaming_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(READ_TIMEOUT)
        .build()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_urls() {
        let stored = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1";
        assert_eq!(
            media_url(stored, DEFAULT_API_BASE).as_deref(),
            Some("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.mp3")
        );
        assert_eq!(
            media_url(&format!("{stored}.json"), "http://127.0.0.1:4010/").as_deref(),
            Some("http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Recordings/RE1.mp3")
        );
        assert_eq!(media_url("not a url", DEFAULT_API_BASE), None);
    }
}
