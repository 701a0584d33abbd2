"""trainlab.pretrained: the shipped weights, their checksum, clear errors, and the helpers 08 relies on."""
import hashlib
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trainlab import pretrained as P  # noqa: E402


def test_shipped_weights_are_small_and_match_the_checksum():
    assert P.WEIGHTS_PATH.is_file(), "data/digits_cnn_source.pt is missing: run python data/make_pretrained.py"
    assert P.WEIGHTS_PATH.stat().st_size < 1_000_000           # well under the 10 MB budget
    assert P.sha256(P.WEIGHTS_PATH) == P.WEIGHTS_SHA256
    assert P.sha256(P.WEIGHTS_PATH) == hashlib.sha256(P.WEIGHTS_PATH.read_bytes()).hexdigest()


def test_load_pretrained_gives_the_source_classifier():
    model = P.load_pretrained()
    assert isinstance(model, P.SmallCNN) and not model.training
    assert model.head.out_features == len(P.SOURCE_CLASSES)
    tasks = P.digit_tasks()
    X = torch.tensor(P.place_digits(tasks["source_images"][:100], np.random.default_rng(1))).unsqueeze(1)
    assert P.accuracy(model, X, torch.tensor(tasks["source_labels"][:100])) >= 0.95   # the held-out source digits


def test_missing_file_raises_a_clear_error(tmp_path):
    with pytest.raises(P.PretrainedWeightsError, match="missing") as e:
        P.load_pretrained(tmp_path / "nowhere.pt")
    assert "make_pretrained.py" in str(e.value) and "nowhere.pt" in str(e.value)


def test_corrupt_file_raises_a_clear_error(tmp_path):
    bad = tmp_path / P.WEIGHTS_PATH.name
    data = bytearray(P.WEIGHTS_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF                                # one flipped byte
    bad.write_bytes(bytes(data))
    with pytest.raises(P.PretrainedWeightsError, match="corrupt") as e:
        P.load_pretrained(bad)
    assert P.WEIGHTS_SHA256 in str(e.value) and P.sha256(bad) in str(e.value)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(P.WEIGHTS_PATH.read_bytes()[:1000])
    with pytest.raises(P.PretrainedWeightsError, match="SHA-256"):
        P.load_pretrained(truncated)


def test_right_checksum_but_wrong_content_raises(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weight": torch.zeros(3)}, other)
    with pytest.raises(P.PretrainedWeightsError, match="does not hold SmallCNN weights"):
        P.load_pretrained(other, expected_sha256=P.sha256(other))


def test_a_copy_with_the_expected_checksum_loads(tmp_path):
    copy = tmp_path / "copy.pt"
    shutil.copy(P.WEIGHTS_PATH, copy)
    a, b = P.load_pretrained(copy), P.load_pretrained()
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_place_digits_keeps_each_digit_intact():
    rng = np.random.default_rng(0)
    images = rng.random((50, 8, 8))
    out = P.place_digits(images, np.random.default_rng(3))
    assert out.shape == (50, P.FRAME, P.FRAME) and out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=1e-5)
    for img, framed in zip(images[:5], out[:5]):
        r, c = np.argwhere(framed > 0).min(axis=0)
        np.testing.assert_allclose(framed[r:r + 8, c:c + 8], img.astype(np.float32))
    np.testing.assert_array_equal(out, P.place_digits(images, np.random.default_rng(3)))  # seeded


def test_digit_tasks_split_by_class():
    t = P.digit_tasks()
    assert set(np.unique(t["source_labels"])) == set(P.SOURCE_CLASSES)
    assert set(np.unique(t["target_labels"])) == {0, 1, 2, 3, 4}
    assert len(t["source_labels"]) + len(t["target_labels"]) == 1797
    assert t["source_images"].shape[1:] == (8, 8) and t["target_images"].max() <= 1.0


def test_small_cnn_shapes_and_fit_is_reproducible():
    torch.manual_seed(1)              # fixed data: with random data, 15 steps on noise do not always lower the loss
    X = torch.rand(40, 1, P.FRAME, P.FRAME)
    y = torch.randint(0, 3, (40,))
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = P.SmallCNN(num_classes=3)
        assert model.backbone(X).shape == (40, P.SmallCNN.feature_dim) and model(X).shape == (40, 3)
        runs.append(P.fit(model, [{"params": list(model.parameters()), "lr": 1e-2}], X, y, steps=15, batch_size=16))
    assert runs[0] == runs[1] and runs[0][-1] < runs[0][0]
