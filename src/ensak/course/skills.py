"""The skills learners rate themselves on at the kickoff and again at the end of the course."""

COURSE_SKILLS: dict[str, str] = {
    "sociala-medier": "förklara vad sociala medier är och varför de spelar roll för biblioteket",
    "blogg": "skriva och publicera ett blogginlägg",
    "natverk": "använda sociala nätverk som Facebook och Instagram i arbetet",
    "sok": "söka smart och bevaka ett ämne",
    "wikipedia": "läsa Wikipedia kritiskt och förbättra en artikel",
    "bild": "dela bilder och film med rätt licens och samtycke",
    "dialog": "föra dialog med låntagare och bemöta kommentarer",
    "omvarld": "följa vad som händer i biblioteksvärlden",
}

# The self-assessment's scale, each level as the learner reads it (the widget, and her registerutdrag, show these).
SKILL_LEVELS: dict[int, str] = {
    1: "1 – inte alls",
    2: "2 – lite osäker",
    3: "3 – ganska säker",
    4: "4 – säker",
    5: "5 – mycket säker",
}

BEFORE_KEY = "sjalvskattning-fore"
AFTER_KEY = "sjalvskattning-efter"
EVALUATION_KEYS: dict[str, str] = {
    "utvardering-bra": "Vad tyckte du var bra med kursen?",
    "utvardering-annorlunda": "Vad kunde vi ha gjort annorlunda?",
    "utvardering-viktigast": "Vad är det viktigaste du har lärt dig under kursen?",
}
