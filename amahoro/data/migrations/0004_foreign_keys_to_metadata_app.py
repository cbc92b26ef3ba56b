"""Foreign keys to data elements and option combos now name the metadata app (state only: same tables)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('data', '0003_remote_dhis2'),
        ('metadata', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='dataapproval',
                    name='attribute_option_combo',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='metadata.categoryoptioncombo'),
                ),
                migrations.AlterField(
                    model_name='dataset',
                    name='data_elements',
                    field=models.ManyToManyField(blank=True, related_name='data_sets', to='metadata.dataelement'),
                ),
                migrations.AlterField(
                    model_name='datavalue',
                    name='attribute_option_combo',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='metadata.categoryoptioncombo'),
                ),
                migrations.AlterField(
                    model_name='datavalue',
                    name='category_option_combo',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='metadata.categoryoptioncombo'),
                ),
                migrations.AlterField(
                    model_name='datavalue',
                    name='data_element',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='values', to='metadata.dataelement'),
                ),
                migrations.AlterField(
                    model_name='minmaxbound',
                    name='category_option_combo',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='metadata.categoryoptioncombo'),
                ),
                migrations.AlterField(
                    model_name='minmaxbound',
                    name='data_element',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='metadata.dataelement'),
                ),
            ],
            database_operations=[],
        ),
    ]
