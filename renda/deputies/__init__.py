"""Deputies, deputy groups, committee-member links and group activities; the directory."""
