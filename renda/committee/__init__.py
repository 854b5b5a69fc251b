"""Standing-committee members (常委会组成人员) and the deputies each keeps contact with."""
