"""The simulated banks the payer can choose (code → name)."""

BANKS: dict[str, str] = {
    "pko": "PKO Bank Polski",
    "pekao": "Bank Pekao",
    "mbank": "mBank",
    "ing": "ING Bank Śląski",
    "santander": "Santander Bank Polska",
    "millennium": "Bank Millennium",
    "alior": "Alior Bank",
    "bnp": "BNP Paribas",
    "bs": "Bank Spółdzielczy",
}
