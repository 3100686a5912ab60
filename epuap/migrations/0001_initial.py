"""The epuap app's first migration: the app exists and owns its migration history from the start."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
