"""Deputy groups (代表小组): their pages, the "四个一" ledger of each year, and the activities staff enter."""
