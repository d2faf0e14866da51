"""Real terms several demo tasks share (``data/demo/terms.json``)."""

from __future__ import annotations

from dataclasses import dataclass

from medinst_synth.vocab import Table


@dataclass(frozen=True)
class GeneticDisease:
    disease: str
    gene: str
    protein: str
    mesh: str
    inheritance: str
    feature: str  # a disease the condition leads to (also an NCBI-disease mention)


@dataclass(frozen=True)
class Variant:
    gene: str
    gene_id: str  # NCBI Gene
    protein: str  # short protein change
    dna: str  # HGVS cDNA change
    rsid: str
    disease: str


_T = Table("demo/terms")


CHEM_MESH = _T.str_map("chem_mesh")
DIS_MESH = _T.str_map("dis_mesh")
ADVERSE = _T.pairs("adverse")  # chemical-induced disease pairs (the CID relation of BC5CDR)
INDICATION = _T.str_map("indication")
GENETIC = tuple(GeneticDisease(**record) for record in _T.str_records("genetic"))
FEATURE_MESH = _T.str_map("feature_mesh")
VARIANTS = tuple(Variant(**record) for record in _T.str_records("variants"))
CELL_LINES = _T.strs("cell_lines")
SPECIES = _T.strs("species")
CANCERS = _T.strs("cancers")
ONCOGENES = _T.strs("oncogenes")
SUPPRESSORS = _T.strs("suppressors")
AUTHORS = _T.strs("authors")
SYMPTOMS = _T.strs("symptoms")
GE_PROTEINS = _T.strs("ge_proteins")
