//! Clock times in a reply ("after 5", "9:30am", "between 2 and 4", "a las 6") as the parts of
//! the day they fall in. A time without am/pm is read the way people text it ("after 5" is
//! 5 pm); where it could be either ("at 8") both parts of the day come back, and the step asks.

use super::words::{Token, word};
use crate::domain::lead_conversation::BestTime;

/// One time or range found in the reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clock {
    /// The tokens it covers.
    pub start: usize,
    pub end: usize,
    /// The parts of the day it falls in: one is an answer, several are a question, none means
    /// outside the day (2 am).
    pub periods: Vec<BestTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    After,
    Before,
    At,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
}

/// A number read as a time of day: its hour on a 12- or 24-hour clock and its am/pm, if said.
#[derive(Clone, Copy, Debug)]
struct Time {
    hour: u32,
    meridiem: Option<Meridiem>,
    /// Said as a time ("5pm", "5:30", "5 o'clock"), not only as a number.
    marked: bool,
}

/// Units after a number that make it a quantity, not a time ("2 days", "30 minutes").
const UNITS: [&str; 12] = [
    "minutes", "minute", "mins", "min", "hours", "hour", "hrs", "hr", "days", "day", "weeks",
    "week",
];

/// Every clock time in the reply, left to right.
pub fn find(tokens: &[Token]) -> Vec<Clock> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match time_at(tokens, at) {
            Some(clock) => {
                at = clock.end;
                found.push(clock);
            }
            None => at += 1,
        }
    }
    found
}

fn time_at(tokens: &[Token], at: usize) -> Option<Clock> {
    let relation = relation_before(tokens, at);
    let (first, mut end) = time(tokens, at)?;
    // A range: "2-4", "2 to 4pm", "between 2 and 4", "de 2 a 4".
    // "and" and Spanish "a" join a range only after "between" / "de": alone they are words
    // ("K1A 0B1" is a postal code, not "1 to 0").
    let joined = match tokens.get(end) {
        Some(Token::Dash) => true,
        Some(Token::Word(w)) if ["to", "til", "till", "until", "hasta"].contains(&w.as_str()) => {
            true
        }
        Some(Token::Word(w)) => ["and", "a"].contains(&w.as_str()) && relation.is_some(),
        _ => false,
    };
    let second = joined
        .then(|| time(tokens, end + 1))
        .flatten()
        .filter(|(last, _)| first.hour > 0 && last.hour > 0);
    let periods = match second {
        Some((last, after)) => {
            end = after;
            range_periods(first, last)
        }
        None => {
            // A bare number is a time only when something says so, or when it cannot be one
            // of the menu's digits (1–4) or a quantity.
            let plain = !first.marked && relation.is_none();
            if plain && !(5..=12).contains(&first.hour) {
                return None;
            }
            single_periods(first, relation.unwrap_or(Relation::At))
        }
    };
    let start = if relation.is_some() { at - 1 } else { at };
    Some(Clock {
        start,
        end,
        periods,
    })
}

/// The word before the number that says how it relates: "after 5", "antes de las 9".
fn relation_before(tokens: &[Token], at: usize) -> Option<Relation> {
    let before = |back: usize| at.checked_sub(back).and_then(|i| word(tokens.get(i)));
    let mut previous = before(1)?;
    if previous == "las" || previous == "la" {
        previous = match before(2)? {
            "de" => before(3)?,
            other => other,
        };
    }
    match previous {
        "after" | "past" | "despues" | "from" | "desde" => Some(Relation::After),
        "before" | "by" | "antes" => Some(Relation::Before),
        "at" | "around" | "about" | "a" | "near" | "like" | "between" | "entre" => {
            Some(Relation::At)
        }
        _ => None,
    }
}

/// The time at `at` and the index after it.
fn time(tokens: &[Token], at: usize) -> Option<(Time, usize)> {
    let Some(Token::Number(hour)) = tokens.get(at) else {
        return None;
    };
    let mut end = at + 1;
    let mut marked = false;
    if let (Some(Token::Colon), Some(Token::Number(minutes))) =
        (tokens.get(end), tokens.get(end + 1))
        && *minutes < 60
    {
        end += 2;
        marked = true;
    }
    if word(tokens.get(end)).is_some_and(|unit| UNITS.contains(&unit)) {
        return None;
    }
    let mut meridiem = None;
    match word(tokens.get(end)) {
        Some("am") => (meridiem, end) = (Some(Meridiem::Am), end + 1),
        Some("pm") => (meridiem, end) = (Some(Meridiem::Pm), end + 1),
        Some("oclock") => (marked, end) = (true, end + 1),
        Some("o") if word(tokens.get(end + 1)) == Some("clock") => (marked, end) = (true, end + 2),
        _ => {}
    }
    // "de la mañana / tarde / noche", "in the morning / evening".
    let part = (
        word(tokens.get(end)),
        word(tokens.get(end + 1)),
        word(tokens.get(end + 2)),
    );
    match part {
        (Some("de" | "in"), Some("la" | "the"), Some("manana" | "morning")) => {
            (meridiem, end) = (Some(Meridiem::Am), end + 3)
        }
        (
            Some("de" | "in"),
            Some("la" | "the"),
            Some("tarde" | "noche" | "afternoon" | "evening" | "night"),
        ) => (meridiem, end) = (Some(Meridiem::Pm), end + 3),
        _ => {}
    }
    let valid = match meridiem {
        Some(_) => (1..=12).contains(hour),
        None => *hour <= 23,
    };
    valid.then_some((
        Time {
            hour: *hour,
            meridiem,
            marked: marked || meridiem.is_some() || *hour > 12,
        },
        end,
    ))
}

/// The hours (0–23) a time could be.
fn hours(time: Time, relation: Relation) -> Vec<u32> {
    let h = time.hour;
    match time.meridiem {
        Some(Meridiem::Am) => vec![h % 12],
        Some(Meridiem::Pm) => vec![h % 12 + 12],
        None if h == 0 || h >= 12 => vec![h],
        None => match relation {
            Relation::After if h <= 9 => vec![h + 12],
            Relation::Before if h >= 6 => vec![h],
            Relation::Before => vec![h + 12],
            Relation::At if h <= 4 => vec![h + 12],
            _ => vec![h, h + 12],
        },
    }
}

fn single_periods(time: Time, relation: Relation) -> Vec<BestTime> {
    let mut periods = Vec::new();
    for hour in hours(time, relation) {
        let span = match relation {
            // "after 4" is from 5 on: the part of the day the caller is free in.
            Relation::After => (hour + 1)..(hour + 2),
            // "before 10" is the morning up to ten.
            Relation::Before => hour.saturating_sub(1).min(8)..hour.max(1),
            Relation::At => hour..(hour + 1),
        };
        add_periods(&mut periods, span);
    }
    periods
}

fn range_periods(first: Time, last: Time) -> Vec<BestTime> {
    // The end's am/pm carries to the start ("2-4pm"); without either, the working day decides.
    let start_meridiem = first.meridiem.or(match last.meridiem {
        Some(Meridiem::Pm) if first.hour % 12 <= last.hour % 12 => Some(Meridiem::Pm),
        Some(_) => Some(Meridiem::Am),
        None if (7..=11).contains(&first.hour) => Some(Meridiem::Am),
        None => Some(Meridiem::Pm),
    });
    let start = hours(
        Time {
            meridiem: if first.hour > 12 {
                None
            } else {
                start_meridiem
            },
            ..first
        },
        Relation::At,
    )[0];
    let mut end = hours(last, Relation::At)
        .into_iter()
        .find(|hour| *hour > start)
        .unwrap_or(start + 1);
    if end <= start {
        end = start + 1;
    }
    let mut periods = Vec::new();
    add_periods(&mut periods, start..end);
    periods
}

fn add_periods(periods: &mut Vec<BestTime>, hours: std::ops::Range<u32>) {
    for hour in hours {
        if let Some(period) = period(hour)
            && !periods.contains(&period)
        {
            periods.push(period);
        }
    }
}

fn period(hour: u32) -> Option<BestTime> {
    match hour {
        5..=11 => Some(BestTime::Morning),
        12..=16 => Some(BestTime::Afternoon),
        17..=21 => Some(BestTime::Evening),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{super::words::tokens, *};
    use BestTime::*;

    fn periods(reply: &str) -> Vec<Vec<BestTime>> {
        find(&tokens(reply))
            .into_iter()
            .map(|clock| clock.periods)
            .collect()
    }

    #[test]
    fn after_a_bare_hour_is_the_afternoon_or_evening_it_starts() {
        assert_eq!(periods("after 5"), vec![vec![Evening]]);
        assert_eq!(periods("after 5pm"), vec![vec![Evening]]);
        assert_eq!(periods("after 2"), vec![vec![Afternoon]]);
        assert_eq!(periods("despues de las 6"), vec![vec![Evening]]);
    }

    #[test]
    fn times_with_am_or_pm_are_their_part_of_the_day() {
        assert_eq!(periods("9am"), vec![vec![Morning]]);
        assert_eq!(periods("at 9:30 a.m."), vec![vec![Morning]]);
        assert_eq!(periods("3pm"), vec![vec![Afternoon]]);
        assert_eq!(periods("at 7 in the evening"), vec![vec![Evening]]);
        assert_eq!(periods("17:30"), vec![vec![Evening]]);
        assert_eq!(periods("2am"), vec![Vec::<BestTime>::new()]);
    }

    #[test]
    fn a_time_that_could_be_morning_or_evening_is_both() {
        assert_eq!(periods("at 8"), vec![vec![Morning, Evening]]);
        assert_eq!(periods("7"), vec![vec![Morning, Evening]]);
        assert_eq!(periods("before 2pm"), vec![vec![Morning, Afternoon]]);
    }

    #[test]
    fn ranges_cover_every_part_of_the_day_they_touch() {
        assert_eq!(periods("2-4pm"), vec![vec![Afternoon]]);
        assert_eq!(periods("between 2 and 4"), vec![vec![Afternoon]]);
        assert_eq!(periods("9 to 5"), vec![vec![Morning, Afternoon]]);
        assert_eq!(periods("8-11"), vec![vec![Morning]]);
    }

    #[test]
    fn menu_digits_and_quantities_are_not_times() {
        assert!(periods("2").is_empty());
        assert!(periods("in 2 days").is_empty());
        assert!(periods("30 minutes").is_empty());
        assert!(periods("78704").is_empty());
        assert!(periods("K1A 0B1").iter().all(Vec::is_empty));
    }
}
