"""What a reader sees: answers as tables, labels and colours, network pages (HTML)."""
