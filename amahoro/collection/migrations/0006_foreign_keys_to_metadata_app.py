"""Foreign keys to data elements and option combos now name the metadata app (state only: same tables)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0005_strip_foreign_submission_urls'),
        ('metadata', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='mappedvalue',
                    name='category_option_combo',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='metadata.categoryoptioncombo'),
                ),
                migrations.AlterField(
                    model_name='mappingrule',
                    name='data_element',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='mapping_rules', to='metadata.dataelement'),
                ),
            ],
            database_operations=[],
        ),
    ]
