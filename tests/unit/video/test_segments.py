"""Active segments: padded, short gaps bridged, clipped to the footage."""

from peelian.video.segments import active_segments, seconds


def test_padding_bridging_and_clipping():
    frames = [0, 1, 2, 30, 31, 200]
    found = active_segments(frames, fps=10, total_frames=205, pad_seconds=1, bridge_seconds=3)
    # 0-2 and 30-31 are 2.7 s apart once padded: bridged; 200 stands alone, clipped at the end
    assert found == [(0.0, 4.2), (19.0, 20.5)]
    assert seconds(found) == 4.2 + 1.5


def test_nothing_active_is_nothing_to_watch():
    assert active_segments([], fps=25, total_frames=1000) == []
    assert seconds([]) == 0
