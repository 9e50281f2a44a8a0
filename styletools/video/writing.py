"""Write a clip: frames into a video file through PyAV, with the input's audio carried over.

The container follows the output's suffix; each has one video codec, and the audio is copied
packet for packet when the container can hold its codec, else re-encoded (AC-3 into WebM
becomes Opus). A GIF is written by Pillow, with a palette per frame (ffmpeg's swscale has no
RGB-to-palette path), at the rate its 1/100 s delays allow, and without audio. The file is
written through a temporary sibling and renamed into place, like every output of styletools.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np

from styletools.images import atomic_write
from styletools.video.errors import VideoError


@dataclass(frozen=True)
class Container:
    """How one kind of output file is written.

    Attributes:
        format: ffmpeg's muxer name.
        video_codec: The encoder of the frames.
        pixel_format: What the encoder takes.
        audio_codecs: Audio codecs the muxer holds as they are (copied).
        audio_encoder: The encoder for any other audio.
        options: Encoder options (quality).
    """

    format: str
    video_codec: str
    pixel_format: str
    audio_codecs: frozenset[str]
    audio_encoder: str
    options: tuple[tuple[str, str], ...] = ()


_MP4_AUDIO = frozenset({"aac", "mp3", "alac", "ac3", "opus"})
_H264 = (("crf", "18"), ("preset", "fast"))
CONTAINERS: dict[str, Container] = {
    ".mp4": Container("mp4", "libx264", "yuv420p", _MP4_AUDIO, "aac", _H264),
    ".mov": Container("mov", "libx264", "yuv420p", _MP4_AUDIO | {"pcm_s16le"}, "aac", _H264),
    ".mkv": Container("matroska", "libx264", "yuv420p", _MP4_AUDIO | {"vorbis", "flac"}, "aac",
                      _H264),
    ".webm": Container("webm", "libvpx-vp9", "yuv420p", frozenset({"opus", "vorbis"}), "libopus",
                       (("crf", "30"), ("b", "0"))),
    ".avi": Container("avi", "mpeg4", "yuv420p", frozenset({"mp3", "ac3", "pcm_s16le"}), "mp3",
                      (("qscale", "3"),)),
}
GIF_SUFFIX = ".gif"


def container_for(path: Path) -> Container:
    """The container written for ``path``'s suffix.

    Raises:
        VideoError: The suffix names no container we write; the message lists those we do.
    """
    container = CONTAINERS.get(path.suffix.lower())
    if container is None:
        raise VideoError(path, f"unknown video suffix {path.suffix or '(none)'!r}; use a folder "
                         f"or one of {', '.join([*CONTAINERS, GIF_SUFFIX])}")
    return container


def check_suffix(path: Path) -> None:
    """Refuse an output suffix we cannot write, before any frame is painted.

    Raises:
        VideoError: As :func:`container_for`.
    """
    if path.suffix.lower() != GIF_SUFFIX:
        container_for(path)


def write_video(
    frames: Iterable[np.ndarray], target: Path, fps: Fraction, *, audio_from: Path | None = None
) -> Path:
    """Encode frames into ``target`` at ``fps``, with ``audio_from``'s audio.

    Args:
        frames: ``(H, W, 3)`` uint8 RGB frames of one size (even sides for the 4:2:0 codecs).
        target: The file to write; its suffix picks the container (:data:`CONTAINERS`).
        fps: Frames per second, kept exactly in the container's time base.
        audio_from: A video whose first audio stream is carried over, if it has one.

    Returns:
        ``target``.

    Raises:
        VideoError: Unknown suffix, or the encoder refused the frames.
    """
    import av

    fps = Fraction(fps)  # an int or a float rate would become a float time base
    if target.suffix.lower() == GIF_SUFFIX:
        atomic_write(target, lambda handle: _write_gif(handle, frames, fps))
        return target
    container = container_for(target)

    def encode(handle: IO[bytes]) -> None:
        with av.open(handle, "w", format=container.format) as output:
            # Every stream exists before the first packet, when the muxer writes the header.
            audio = _audio_stream(output, container, audio_from) if audio_from else None
            count = _encode_frames(output, container, frames, fps)
            if audio is not None:
                _carry_audio(output, audio, container, audio_from, until=count / fps)

    try:
        atomic_write(target, encode)
    except (av.FFmpegError, ValueError) as error:
        raise VideoError(target, f"cannot encode the video ({error})") from None
    return target


def _encode_frames(output: object, container: Container, frames: Iterable[np.ndarray],
                   fps: Fraction) -> int:
    """Encode every frame; returns how many."""
    import av

    stream, index = None, -1
    for index, pixels in enumerate(frames):
        if stream is None:
            stream = output.add_stream(container.video_codec, rate=fps,  # type: ignore[attr-defined]
                                       options=dict(container.options))
            stream.height, stream.width = pixels.shape[:2]
            stream.pix_fmt = container.pixel_format
            stream.codec_context.time_base = 1 / fps
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
        frame.pts, frame.time_base = index, 1 / fps
        output.mux(stream.encode(frame))  # type: ignore[attr-defined]
    if stream is not None:
        output.mux(stream.encode(None))  # type: ignore[attr-defined]
    return index + 1


def _write_gif(handle: IO[bytes], frames: Iterable[np.ndarray], fps: Fraction) -> None:
    from PIL import Image

    pictures = (Image.fromarray(pixels) for pixels in frames)
    first = next(pictures)
    first.save(handle, format="GIF", save_all=True, append_images=pictures, loop=0,
               duration=round(1000 / fps))


def _audio_stream(output: object, container: Container, source: Path) -> object | None:
    """The output's audio stream for ``source``'s first one: a copy when the container holds
    its codec, else a new encoder; ``None`` when ``source`` has no audio."""
    import av

    with av.open(str(source)) as reader:
        if not reader.streams.audio:
            return None
        audio = reader.streams.audio[0]
        if audio.codec_context.name in container.audio_codecs:
            copy = output.add_stream_from_template(audio)  # type: ignore[attr-defined]
            # The template leaves the time base unset; AVI's AC-3 then crashed the MP4 muxer.
            copy.time_base = audio.time_base
            return copy
        return output.add_stream(container.audio_encoder,  # type: ignore[attr-defined]
                                 rate=audio.codec_context.sample_rate)


def _carry_audio(
    output: object, stream: object, container: Container, source: Path, *, until: Fraction
) -> None:
    """Mux ``source``'s audio into ``stream`` up to ``until`` seconds (the video's end: a clip
    the app cut keeps the audio of what it kept), copied or re-encoded."""
    import av

    with av.open(str(source)) as reader:
        audio = reader.streams.audio[0]
        if audio.codec_context.name in container.audio_codecs:
            for packet in reader.demux(audio):
                if packet.dts is not None and packet.dts * audio.time_base < until:
                    packet.stream = stream
                    output.mux(packet)  # type: ignore[attr-defined]
            return
        for frame in _decodable_audio(reader.demux(audio)):
            if frame.time < until:
                frame.pts = None
                output.mux(stream.encode(frame))  # type: ignore[attr-defined]
        output.mux(stream.encode(None))  # type: ignore[attr-defined]


def _decodable_audio(packets: Iterable[object]) -> Iterator[object]:
    """The frames of every audio packet that decodes: a damaged packet is skipped, as the
    ffmpeg command does (the first AC-3 packet of opencv-doc's Megamind.avi is incomplete)."""
    import av

    for packet in packets:
        try:
            yield from packet.decode()  # type: ignore[attr-defined]
        except av.InvalidDataError:
            continue
