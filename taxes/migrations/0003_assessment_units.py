# Decision units of the mass assessment: a proposal per unit of jointly liable holders (run, unit) and several
# decisions per proposal (one per tax liability), hence no more one decision per party in a run.

import django.db.models.deletion
from django.db import migrations, models


def fill_units(apps, schema_editor):
    Proposal = apps.get_model("taxes", "Proposal")
    for pk, party_id in Proposal.objects.values_list("pk", "party_id"):
        Proposal.objects.filter(pk=pk).update(unit=str(party_id))


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0002_register_declarations_assessment"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="decision", name="decision_one_per_party_in_run"),
        migrations.RemoveConstraint(model_name="proposal", name="proposal_one_per_party"),
        migrations.AddField(
            model_name="proposal",
            name="unit",
            field=models.CharField(default="", max_length=200, verbose_name="decision unit"),
        ),
        migrations.RunPython(fill_units, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="proposal",
            constraint=models.UniqueConstraint(fields=("run", "unit"), name="proposal_one_per_unit"),
        ),
        migrations.CreateModel(
            name="ProposalDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField()),
                (
                    "decision",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="taxes.decision"
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="issued", to="taxes.proposal"
                    ),
                ),
            ],
            options={"ordering": ["proposal", "position"]},
        ),
        migrations.AddConstraint(
            model_name="proposaldecision",
            constraint=models.UniqueConstraint(
                fields=("proposal", "position"), name="proposal_decision_unique_position"
            ),
        ),
    ]
