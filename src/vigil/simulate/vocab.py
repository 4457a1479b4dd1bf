"""Small word lists the synthetic force is built from. Names are common, never real people."""

from __future__ import annotations

FEMALE_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Emily", "Ella", "Lily",
    "Chloe", "Jessica", "Hannah", "Lucy", "Charlotte", "Sarah", "Laura", "Rebecca", "Emma",
    "Claire", "Rachel", "Nicola", "Kelly", "Gemma", "Amy", "Zoe", "Katie", "Megan", "Holly",
    "Leah", "Jade", "Danielle", "Natalie", "Stacey", "Kirsty", "Louise", "Helen", "Karen",
    "Julie", "Susan", "Margaret", "Patricia", "Jennifer", "Aisha", "Fatima", "Priya", "Zara",
    "Maria", "Anna", "Joanne", "Lisa", "Michelle", "Victoria", "Samantha", "Jasmine", "Ellie",
    "Abigail", "Poppy", "Freya", "Erin",
)  # fmt: skip
MALE_NAMES = (
    "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar",
    "William", "James", "Daniel", "Matthew", "Ryan", "Luke", "Adam", "Michael", "David",
    "Paul", "Mark", "Andrew", "Steven", "Richard", "Christopher", "Robert", "Simon", "Peter",
    "John", "Craig", "Scott", "Lee", "Dean", "Gareth", "Darren", "Jason", "Wayne", "Kevin",
    "Gary", "Ian", "Neil", "Stuart", "Mohammed", "Ali", "Omar", "Arjun", "Kyle", "Liam",
    "Connor", "Callum", "Jamie", "Nathan", "Joshua", "Ben", "Sam", "Tom", "Dave", "Chris",
    "Martin", "Graham", "Carl",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason",
    "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills",
    "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey",
)  # fmt: skip

#: Area names and the stations in each (fictional town names).
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NORTH", ("Northgate", "Hollins Cross")),
    ("SOUTH", ("Southmead", "Brackley Vale")),
    ("EAST", ("Eastbrook", "Marsh End")),
    ("WEST", ("Westfield", "Carrow Hill")),
    ("CENTRAL", ("Central", "Kingsway")),
    ("COAST", ("Saltham", "Portlow")),
    ("VALLEY", ("Dunmore", "Ashby Ford")),
    ("CITY", ("Citygate", "Riverside")),
)
HQ_STATION = "Headquarters"

CAR_COLOURS = ("black", "white", "silver", "grey", "blue", "red", "dark blue", "green")
CAR_MODELS = (
    "Astra", "Focus", "Golf", "Corsa", "Fiesta", "Octavia", "Qashqai", "3 Series", "A3",
    "Civic", "Insignia", "Mondeo", "Kuga", "Sportage", "Transit van", "pick-up",
)  # fmt: skip
HAIR = ("short dark hair", "shaved head", "ginger hair", "blond hair", "grey hair", "curly hair")
BUILD = ("tall", "stocky", "slim", "well built", "short", "big")
FEATURES = (
    "beard", "stubble", "glasses", "tattoo on his arm", "tattoo on his neck", "earring",
    "Scottish accent", "Welsh accent", "local accent", "moustache",
)  # fmt: skip

#: Partner organisations, by what they support.
PARTNERS: dict[str, tuple[str, ...]] = {
    "DA": ("Safe Haven Refuge", "Harbour IDVA Service", "Women's Aid (local)"),
    "SO": ("Rape Crisis (local)", "Sexual Assault Referral Centre", "ISVA Service"),
    "DRUGS": ("Turning Point Recovery", "Open Door Drug and Alcohol Service"),
    "SEXWORK": ("Street Outreach Project", "Night Bus Outreach"),
    "YOUTH": ("Brookfield Academy safeguarding lead", "Children's Social Care"),
    "HEALTH": ("County Hospital safeguarding team", "Mental Health Crisis Team"),
}

#: Agency switchboards that many people list as their contact point.
SWITCHBOARDS = (
    "Safe Haven Refuge", "County Hospital", "St Anne's Hostel", "Harbour House Refuge",
    "Mental Health Crisis Team", "Children's Home (Elm Lodge)", "Supported Housing (Cedars)",
    "Open Door Drug and Alcohol Service",
)  # fmt: skip

#: Reason codes and free-text justifications typed into audit systems.
REASONS_TASKED = ("ENQUIRIES", "INVESTIGATION", "SAFEGUARDING", "RISK ASSESSMENT", "UPDATE")
REASONS_VAGUE = ("enquiries", "intel", "checks", "ongoing", "info", "ref", "misc")
REASONS_DA = ("MARAC", "DASH REVIEW", "MARAC PREP", "DA REVIEW", "SAFEGUARDING")
REASONS_PPU = ("MOSOVO", "ViSOR CHECK", "SO REVIEW", "SAFEGUARDING")
REASONS_CONTROL = ("CALL", "INCIDENT", "CAD", "DISPATCH")
REASONS_CUSTODY = ("CUSTODY", "DETAINEE", "BOOKING IN", "RISK ASSESSMENT")
REASONS_ANALYST = (
    *(f"ANALYSIS PP-{n:03d}" for n in (4, 11, 17, 23, 31, 38)),
    "PROBLEM PROFILE",
    "TASKING",
    "STRATEGIC ASSESSMENT",
)
REASONS_BRIEFING = ("BRIEFING", "BRIEF", "PATROL PLAN")

#: Free-text topic searches (analysts, CID, neighbourhood).
TOPICS = (
    "repeat victims DA", "burglary series", "ASB hotspot", "county lines", "missing from home",
    "high risk DA", "stalking repeat", "shoplifting prolific", "vehicle crime", "night economy",
    "cuckooing", "drug supply", "hate crime", "knife crime", "fraud elderly", "exploitation",
)  # fmt: skip
