"""The metadata models now live in the metadata app (its 0001 took them over with their tables): the
frameworks app forgets them. State only: no table is dropped, no row touched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('frameworks', '0004_dhis2_attribute_values'),
        ('metadata', '0001_initial'),
        ('collection', '0006_foreign_keys_to_metadata_app'),
        ('data', '0004_foreign_keys_to_metadata_app'),
        ('programmes', '0004_foreign_keys_to_metadata_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='categorycombo',
                    name='categories',
                ),
                migrations.RemoveField(
                    model_name='categorycombomembership',
                    name='category',
                ),
                migrations.RemoveField(
                    model_name='categoryoptionmembership',
                    name='category',
                ),
                migrations.RemoveField(
                    model_name='categorycombo',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='categorycombo',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='categoryoptioncombo',
                    name='combo',
                ),
                migrations.RemoveField(
                    model_name='dataelement',
                    name='category_combo',
                ),
                migrations.RemoveField(
                    model_name='categorycombomembership',
                    name='combo',
                ),
                migrations.RemoveField(
                    model_name='categoryoption',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='categoryoption',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='categoryoptionmembership',
                    name='option',
                ),
                migrations.RemoveField(
                    model_name='categoryoptioncombo',
                    name='options',
                ),
                migrations.RemoveField(
                    model_name='categoryoptioncombo',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='dataelement',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='dataelement',
                    name='organisation',
                ),
                migrations.DeleteModel(
                    name='Category',
                ),
                migrations.DeleteModel(
                    name='CategoryCombo',
                ),
                migrations.DeleteModel(
                    name='CategoryComboMembership',
                ),
                migrations.DeleteModel(
                    name='CategoryOptionMembership',
                ),
                migrations.DeleteModel(
                    name='CategoryOption',
                ),
                migrations.DeleteModel(
                    name='CategoryOptionCombo',
                ),
                migrations.DeleteModel(
                    name='DataElement',
                ),
            ],
            database_operations=[],
        ),
    ]
