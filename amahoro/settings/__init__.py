"""Settings packages: base (shared), dev (default), test, prod. Chosen by DJANGO_SETTINGS_MODULE."""
