"""reelcart: shoppable 9:16 reels from live-shopping recordings, guided by the order log."""

__version__ = "0.1.0"
