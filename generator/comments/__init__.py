"""The build side of comments: the public feed format, threading, safe rendering."""
