"""Speech: bundled models, speech activity, the decoder and product hints."""
