"""Audio to numbers: spectrogram images, chroma, MFCC and beat-synchronous
features as scikit-learn transformers, computed once per recording and sliced."""
