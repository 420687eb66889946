"""SQLAlchemy storage: tables, migrations, one repository per aggregate."""
