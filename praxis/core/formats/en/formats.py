# European English (issue 6 point 16): day before month, ISO short dates, 24-hour times.
DATE_FORMAT = "j F Y"  # 21 November 2026
TIME_FORMAT = "H:i"  # 15:23
DATETIME_FORMAT = "j F Y, H:i"  # 21 November 2026, 15:23
YEAR_MONTH_FORMAT = "F Y"  # November 2026
MONTH_DAY_FORMAT = "j F"  # 21 November
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-11-21 (ISO 8601)
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-11-21 15:23
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
