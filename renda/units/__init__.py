"""A unit's page: everything one department handles, for the deputies before an evaluation."""
