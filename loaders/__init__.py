"""Files → validated records: CSV (UTF-8, UTF-8-BOM, GB18030/GBK), XLSX and JSON tables."""

from concentric.loaders.dataset import ReadResult, read_dataset, read_records
from concentric.loaders.tables import NotATable, read_table

__all__ = ["NotATable", "ReadResult", "read_dataset", "read_records", "read_table"]
