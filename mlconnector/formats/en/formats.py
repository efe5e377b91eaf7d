# The admin's date and time formats: 24-hour with the zone's abbreviation (a Nordic audience, and a time
# without its zone is a guess). Django's own "en" formats are US 12-hour ("1:05 p.m.").
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
FIRST_DAY_OF_WEEK = 1  # Monday
