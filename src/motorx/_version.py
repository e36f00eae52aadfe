version_tuple = (0, 1, 0)
__version__ = "0.1.0"
