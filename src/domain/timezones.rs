//! Time zones offered first, for businesses in the United States and Canada.

pub const NORTH_AMERICA: [(&str, &str); 14] = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Toronto", "Eastern (Toronto)"),
    ("America/Winnipeg", "Central (Winnipeg)"),
    ("America/Regina", "Saskatchewan (Regina)"),
    ("America/Edmonton", "Mountain (Edmonton)"),
    ("America/Vancouver", "Pacific (Vancouver)"),
    ("America/Halifax", "Atlantic (Halifax)"),
    ("America/St_Johns", "Newfoundland (St. John's)"),
];
