"""The information categories joinedup ships with (DESIGN.md). More may be added in the admin."""

from django.db import migrations

CATEGORIES = [
    ("general", "General", "Everyday care information.", False),
    ("mental_health", "Mental health", "Mental health assessments, diagnoses and care.", True),
    ("sexual_health", "Sexual health", "Sexual health services and conditions.", True),
    ("social_care", "Social care", "Social care assessments, support plans and reviews.", False),
    ("safeguarding", "Safeguarding", "Safeguarding concerns, enquiries and plans.", True),
]


def add_categories(apps, schema_editor):
    category = apps.get_model("sharing", "InformationCategory")
    for code, name, description, sensitive in CATEGORIES:
        category.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "sensitive": sensitive}
        )


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
