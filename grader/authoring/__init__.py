"""Course authoring: notebooks generated from a stage's lesson and stub, the author's
checks (`grade validate`), mutation testing of a hidden suite, and the stage scaffold
(`grade new-stage`). The Click commands are in ``commands.py``."""
