"""The metadata models, moved from the frameworks app with their tables (db_table = frameworks_*): state
only, the tables and rows stay as frameworks 0001-0004 made them."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('frameworks', '0004_dhis2_attribute_values'),
        ('organisations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Category',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=300)),
                        ('name_fr', models.CharField(blank=True, max_length=300)),
                        ('name_rw', models.CharField(blank=True, max_length=300)),
                        ('code', models.CharField(max_length=50, unique=True)),
                        ('uid', models.CharField(blank=True, max_length=11, null=True, unique=True)),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, help_text='Owner; empty = shared metadata', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation')),
                    ],
                    options={
                        'verbose_name_plural': 'categories',
                        'db_table': 'frameworks_category',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='CategoryCombo',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=300)),
                        ('name_fr', models.CharField(blank=True, max_length=300)),
                        ('name_rw', models.CharField(blank=True, max_length=300)),
                        ('code', models.CharField(max_length=50, unique=True)),
                        ('uid', models.CharField(blank=True, max_length=11, null=True, unique=True)),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, help_text='Owner; empty = shared metadata', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation')),
                    ],
                    options={
                        'db_table': 'frameworks_categorycombo',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='CategoryComboMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.PositiveIntegerField(default=0)),
                        ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='metadata.category')),
                        ('combo', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='metadata.categorycombo')),
                    ],
                    options={
                        'db_table': 'frameworks_categorycombomembership',
                        'ordering': ['combo', 'sort_order'],
                    },
                ),
                migrations.AddField(
                    model_name='categorycombo',
                    name='categories',
                    field=models.ManyToManyField(related_name='combos', through='metadata.CategoryComboMembership', to='metadata.category'),
                ),
                migrations.CreateModel(
                    name='CategoryOption',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=300)),
                        ('name_fr', models.CharField(blank=True, max_length=300)),
                        ('name_rw', models.CharField(blank=True, max_length=300)),
                        ('code', models.CharField(max_length=50, unique=True)),
                        ('uid', models.CharField(blank=True, help_text='DHIS2 UID if known', max_length=11, null=True, unique=True)),
                        ('short_name', models.CharField(blank=True, max_length=50)),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, help_text='Owner; empty = shared metadata', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation')),
                    ],
                    options={
                        'db_table': 'frameworks_categoryoption',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='CategoryOptionCombo',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('code', models.CharField(max_length=200)),
                        ('uid', models.CharField(blank=True, max_length=11, null=True, unique=True)),
                        ('name', models.CharField(max_length=400)),
                        ('option_key', models.CharField(max_length=400)),
                        ('attribute_values', models.JSONField(blank=True, default=dict, help_text='DHIS2 attribute values, by attribute uid and code')),
                        ('combo', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='option_combos', to='metadata.categorycombo')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('options', models.ManyToManyField(db_table='frameworks_categoryoptioncombo_options', related_name='option_combos', to='metadata.categoryoption')),
                    ],
                    options={
                        'db_table': 'frameworks_categoryoptioncombo',
                        'ordering': ['combo', 'code'],
                    },
                ),
                migrations.CreateModel(
                    name='CategoryOptionMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.PositiveIntegerField(default=0)),
                        ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='metadata.category')),
                        ('option', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='metadata.categoryoption')),
                    ],
                    options={
                        'db_table': 'frameworks_categoryoptionmembership',
                        'ordering': ['category', 'sort_order'],
                    },
                ),
                migrations.AddField(
                    model_name='category',
                    name='options',
                    field=models.ManyToManyField(related_name='categories', through='metadata.CategoryOptionMembership', to='metadata.categoryoption'),
                ),
                migrations.CreateModel(
                    name='DataElement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=300)),
                        ('name_fr', models.CharField(blank=True, max_length=300)),
                        ('name_rw', models.CharField(blank=True, max_length=300)),
                        ('code', models.CharField(max_length=50, unique=True)),
                        ('uid', models.CharField(blank=True, max_length=11, null=True, unique=True)),
                        ('short_name', models.CharField(blank=True, max_length=100)),
                        ('description', models.TextField(blank=True)),
                        ('value_type', models.CharField(choices=[('INTEGER', 'Integer'), ('INTEGER_ZERO_OR_POSITIVE', 'Integer Zero Or Positive'), ('NUMBER', 'Number'), ('PERCENTAGE', 'Percentage'), ('BOOLEAN', 'Boolean'), ('TEXT', 'Text')], default='INTEGER_ZERO_OR_POSITIVE', max_length=30)),
                        ('aggregation_type', models.CharField(choices=[('SUM', 'Sum'), ('AVERAGE', 'Average'), ('LAST', 'Last')], default='SUM', max_length=10)),
                        ('zero_is_significant', models.BooleanField(default=False)),
                        ('attribute_values', models.JSONField(blank=True, default=dict, help_text='DHIS2 attribute values, by attribute uid and code')),
                        ('category_combo', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='data_elements', to='metadata.categorycombo')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, help_text='Owner; empty = shared metadata', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='data_elements', to='organisations.organisation')),
                    ],
                    options={
                        'db_table': 'frameworks_dataelement',
                        'ordering': ['code'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='categorycombomembership',
                    constraint=models.UniqueConstraint(fields=('combo', 'category'), name='frameworks_unique_combo_category'),
                ),
                migrations.AddConstraint(
                    model_name='categoryoptioncombo',
                    constraint=models.UniqueConstraint(fields=('combo', 'code'), name='frameworks_unique_coc_code'),
                ),
                migrations.AddConstraint(
                    model_name='categoryoptioncombo',
                    constraint=models.UniqueConstraint(fields=('combo', 'option_key'), name='frameworks_unique_coc_options'),
                ),
                migrations.AddConstraint(
                    model_name='categoryoptionmembership',
                    constraint=models.UniqueConstraint(fields=('category', 'option'), name='frameworks_unique_category_option'),
                ),
            ],
            database_operations=[],
        ),
    ]
