# gslb/filters/ — selection filters, one per file (see DESIGN.md)
