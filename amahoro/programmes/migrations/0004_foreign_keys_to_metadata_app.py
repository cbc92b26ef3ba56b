"""Foreign keys to data elements now name the metadata app (state only: same tables)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('metadata', '0001_initial'),
        ('programmes', '0003_gem_scale'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='programme',
                    name='band_data_element',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='metadata.dataelement'),
                ),
                migrations.AlterField(
                    model_name='programme',
                    name='completion_data_element',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='metadata.dataelement'),
                ),
                migrations.AlterField(
                    model_name='programme',
                    name='reach_data_element',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='metadata.dataelement'),
                ),
                migrations.AlterField(
                    model_name='programme',
                    name='respondents_data_element',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='metadata.dataelement'),
                ),
            ],
            database_operations=[],
        ),
    ]
