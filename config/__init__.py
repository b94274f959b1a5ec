"""Settings: the schema, loading and validation, and the shipped example file."""

from config.load import ConfigError, LoadedConfig, load
from config.settings import Settings

__all__ = ["ConfigError", "LoadedConfig", "Settings", "load"]
