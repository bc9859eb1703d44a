# Written in a hurry: no copyright, no licence yet.
TODO = []
