"""PostgreSQL: embedded server, migrations, pool, repositories."""
