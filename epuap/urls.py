"""Back-office URLs of the office's ePUAP / e-Doręczenia adapter."""

app_name = "epuap"

urlpatterns: list = []
