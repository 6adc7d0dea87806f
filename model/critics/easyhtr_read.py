"""Run by the recogniser's own Python (see judges.py), not imported: reads each picture named
on the command line and prints what it read, one JSON string a line."""
import json
import sys
import warnings

warnings.filterwarnings("ignore")   # onnxruntime warns that it has no GPU

import cv2  # noqa: E402
from htr_pipeline import DetectorConfig, LineClusteringConfig, read_page  # noqa: E402

# The detector finds words best in lines about 32 px tall (eval draws them about 80 px tall,
# the pen at its default width): on 30 real validation lines, CER 0.25 at 0.4-0.5, 0.49 at 1.
DETECTOR_SCALE = 0.4

for path in sys.argv[1:]:
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    try:
        lines = read_page(image, DetectorConfig(scale=DETECTOR_SCALE, margin=5),
                          LineClusteringConfig(min_words_per_line=1))
    except ValueError:   # no word found: its line clustering has nothing to cluster
        lines = []
    print(json.dumps(" ".join(word.text for line in lines for word in line)), flush=True)
