from django.dispatch import Signal

# Sent with sender=Paper just before papers_upsert() overwrites papers' metadata, inside the
# same transaction. Arguments: papers (the Paper rows, still holding their old values) and
# records (arxiv_id -> the PaperRecord about to be written). The digests app listens so a
# published digest keeps showing what it showed.
paper_metadata_changing = Signal()
