"""The connection type every repository function takes (rows as plain tuples)."""

from typing import Any

import psycopg

Connection = psycopg.Connection[tuple[Any, ...]]
