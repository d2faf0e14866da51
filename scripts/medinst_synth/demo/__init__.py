"""The bundled demo set: consistent synthetic rows in MEDINST's file layout (see ``build``).

One module of makers per task category (``ner``, ``ned``, ``relations``, ``coref``, ``events``,
``qa``, ``entailment``, ``classify``, ``sts``, ``summary``, ``translation``); ``tasks`` lists the
demo tasks with their instructions and makers; ``build`` writes the files. The vocabularies are
the JSON files under ``data/demo/``.
"""
