"""Reaching residents off the screen: QR codes (代表码) and the printable notices and cards they go on."""
