"""The classifier: normalisation, training, the model file, predictions and the threshold.

Models here are trained once per session on a small slice of the shipped corpus (five
subcategories), so the whole module runs in a few seconds.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sklearn

from kefu.domain.taxonomy import Taxonomy
from kefu.policies import load_policies
from kefu.services.ports import TriageCorrection
from kefu.triage import commands, runtime
from kefu.triage.classifier import FORMAT, SCHEMA, Model, ModelConfig, ModelFileError, train
from kefu.triage.corpus import Example, corpus_hash, load_corpus, parse_lines
from kefu.triage.corrections import training_examples
from kefu.triage.glossary import SEPARATOR, expand
from kefu.triage.normalize import normalize
from kefu.triage.policy import default_policy
from kefu.triage.runtime import SklearnClassifier

LABELS = (
    "account.hijacked",
    "order.refund",
    "payment.withdrawal",
    "ads.invoice",
    "live.equipment",
)


@pytest.fixture(scope="session")
def small_corpus() -> list[Example]:
    return [e for e in load_corpus() if e.label in LABELS]


@pytest.fixture(scope="session")
def small_model(small_corpus: list[Example]) -> Model:
    return train(small_corpus)


@pytest.fixture(scope="session")
def small_model_file(small_model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "classifier.pkl"
    small_model.save(path)
    return path


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_policies().taxonomy


# ---- normalisation -------------------------------------------------------------------


def test_full_width_text_becomes_half_width_lower_case() -> None:
    assert normalize("ＤＯＵ＋投放　失败！！") == "dou+投放 失败!!"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("UID38291047_账号解封", "_uid_ _账号解封"),
        ("ＵＩＤ：１２３４５６７８ 被封", "_uid_ 被封"),
        ("订单号2024031512345没到", "订单号 _number_ 没到"),
        ("Order DY2026030511462279 missing", "order _number_ missing"),
        ("电话13912345678联系我", "电话 _phone_ 联系我"),
        ("see https://v.douyin.com/abc123/ now", "see _url_ now"),
        ("mail me at a.b@example.com", "mail me at _email_"),
    ],
)
def test_identifiers_become_placeholders(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_english_text_borrows_chinese_keywords_from_the_glossary() -> None:
    assert "盗号" in expand(normalize("My account was hacked"))
    assert SEPARATOR not in expand(normalize("我想问一下怎么开直播"))
    assert "提现" in expand(normalize("tx好慢"))


def test_a_malformed_corpus_line_is_skipped_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    lines = ['{"text": "好", "label": "usage.howto"}', "{oops", '{"text": "", "label": "x.y"}']
    with caplog.at_level(logging.WARNING):
        assert parse_lines(lines, "t.jsonl") == [Example("好", "usage.howto")]
    assert "t.jsonl:2" in caplog.text and "t.jsonl:3" in caplog.text


def test_the_shipped_corpus_covers_every_subcategory(taxonomy: Taxonomy) -> None:
    labels = {e.label for e in load_corpus()}
    assert labels == set(taxonomy.codes)


# ---- predictions -----------------------------------------------------------------------


def test_a_prediction_has_a_label_a_confidence_and_a_sorted_top3(small_model: Model) -> None:
    p = small_model.predict("提现一直显示审核中 都三天了")
    assert p.label == "payment.withdrawal"
    assert 0.0 < p.confidence <= 1.0
    assert len(p.top3) == 3
    assert p.top3[0] == (p.label, p.confidence)
    assert [x[1] for x in p.top3] == sorted((x[1] for x in p.top3), reverse=True)
    assert {x[0] for x in p.top3} <= set(LABELS)


def test_one_text_at_a_time_gives_the_batch_answers(
    small_model: Model, small_corpus: list[Example]
) -> None:
    """One text takes a fast path around scikit-learn; it must compute the same thing."""
    texts = [e.text for e in small_corpus[::3]] + ["号被盗了", "在吗", "zzzz", "", "？？？"]
    batch = small_model.predict_many(texts)
    for text, b in zip(texts, batch, strict=True):
        one = small_model.predict(text)
        assert one.label == b.label, text
        assert one.confidence == pytest.approx(b.confidence, abs=1e-3)
    assert small_model.predict_many([]) == []


def test_a_label_with_a_single_example_still_trains(small_corpus: list[Example]) -> None:
    """An agent may correct a ticket into a subcategory the corpus has no example of."""
    model = train([*small_corpus, Example("仓鼠视频的封面一直是黑的", "usage.bug", weight=3.0)])
    assert "usage.bug" in model.labels
    assert model.predict("仓鼠视频的封面一直是黑的").label == "usage.bug"


def test_training_needs_two_labels() -> None:
    with pytest.raises(ValueError, match="two labels"):
        train([Example("a", "x.y"), Example("b", "x.y")])


# ---- the model file --------------------------------------------------------------------


def test_a_saved_model_loads_with_the_same_answers(small_model: Model, tmp_path: Path) -> None:
    path = tmp_path / "m.pkl"
    small_model.save(path)
    loaded = Model.load(path)
    assert loaded.labels == small_model.labels == sorted(LABELS)
    assert loaded.corpus_hash == small_model.corpus_hash
    assert loaded.config == small_model.config
    text = "广告费的发票怎么开"
    assert loaded.predict(text) == small_model.predict(text)


def _envelope(path: Path, **over: object) -> dict[str, object]:
    with path.open("rb") as f:
        envelope: dict[str, object] = pickle.load(f)
    envelope.update(over)
    return envelope


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a pickle at all", "not a kefu classifier file"),
        (pickle.dumps({"format": "something else"}), "not a kefu classifier file"),
        (pickle.dumps([1, 2, 3]), "not a kefu classifier file"),
        (pickle.dumps({"format": FORMAT, "schema": SCHEMA}), "holds no model"),
    ],
)
def test_a_file_that_is_not_a_model_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.pkl"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        Model.load(path)


def test_a_model_from_another_scikit_learn_version_is_refused(
    small_model_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps(_envelope(small_model_file, sklearn="0.24.2")))
    with pytest.raises(ModelFileError) as err:
        Model.load(path)
    assert "scikit-learn 0.24.2" in str(err.value)
    assert sklearn.__version__ in str(err.value)
    assert "kefu triage train" in str(err.value)


def test_a_model_of_another_schema_is_refused(small_model_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "future.pkl"
    path.write_bytes(pickle.dumps(_envelope(small_model_file, schema=SCHEMA + 1)))
    with pytest.raises(ModelFileError, match="schema"):
        Model.load(path)


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("this must never run",))


def test_checking_a_hostile_file_runs_no_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.pkl"
    path.write_bytes(pickle.dumps({"format": FORMAT, "x": _Boom()}))
    with pytest.raises(ModelFileError):
        Model.load(path)
    assert "must never run" not in capsys.readouterr().out


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot read"):
        Model.load(tmp_path / "nothing.pkl")


# ---- the runtime classifier and the threshold -----------------------------------------


def test_confidence_below_the_threshold_is_not_confident(
    small_model_file: Path, taxonomy: Taxonomy
) -> None:
    policy = default_policy()
    clf = SklearnClassifier(small_model_file, policy, taxonomy)
    clear, gibberish = clf.classify(["我的号被盗了，密码也被改了", "嗯嗯嗯"])
    assert clear.label == "account.hijacked" and clear.confident
    assert clear.confidence >= policy.threshold
    assert gibberish.confidence < policy.threshold and not gibberish.confident
    assert clear.handoff and clear.handoff_reasons == ("human_required_subcategory",)
    strict = SklearnClassifier(small_model_file, replace(policy, threshold=1.01), taxonomy)
    assert not strict.classify(["我的号被盗了，密码也被改了"])[0].confident


def test_a_label_outside_the_taxonomy_is_never_confident(
    small_model_file: Path, taxonomy: Taxonomy
) -> None:
    only_usage = Taxonomy(c for c in taxonomy.categories if c.code == "usage")
    clf = SklearnClassifier(small_model_file, default_policy(), only_usage)
    assert not clf.classify(["提现一直不到账"])[0].confident


def test_without_a_model_file_the_shipped_model_is_used_and_saved(
    small_model: Model, tmp_path: Path, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "shipped_model", lambda cache_dir=None: small_model)
    path = tmp_path / "models" / "classifier.pkl"
    clf = SklearnClassifier(path, default_policy(), taxonomy)
    assert clf.classify(["退款怎么还没到"])[0].label == "order.refund"
    assert Model.load(path).labels == small_model.labels


def test_an_unusable_model_file_is_reported_and_the_shipped_model_serves(
    small_model: Model,
    tmp_path: Path,
    taxonomy: Taxonomy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(runtime, "shipped_model", lambda cache_dir=None: small_model)
    path = tmp_path / "classifier.pkl"
    path.write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING):
        result = SklearnClassifier(path, default_policy(), taxonomy).classify(["obs推流黑屏"])
    assert result[0].label == "live.equipment"
    assert "not a kefu classifier file" in caplog.text
    assert path.read_bytes() == b"garbage"  # the operator's file is left alone


def test_a_newly_trained_file_is_picked_up(
    small_corpus: list[Example], tmp_path: Path, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "RELOAD_CHECK_SECONDS", 0.0)
    path = tmp_path / "classifier.pkl"
    train(small_corpus[:150]).save(path)
    clf = SklearnClassifier(path, default_policy(), taxonomy)
    before = clf.model()
    train(small_corpus).save(path)
    assert clf.model() is not before


# ---- corrections ----------------------------------------------------------------------


def _correction(text: str, to: str, minutes: int) -> TriageCorrection:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return TriageCorrection(text, "usage.howto", to, "agent:wang", at, 1)


def test_the_latest_correction_of_a_text_wins_and_replaces_the_corpus_line() -> None:
    corpus = [Example("退款没到", "order.refund", "chat"), Example("别的", "usage.howto")]
    corrections = [
        _correction("退款没到", "payment.withdrawal", 5),
        _correction("ＸＸ 退款没到"[3:], "ads.invoice", 9),  # same text after normalisation
        _correction("新的问题", "no.such", 1),
    ]
    out = training_examples(corpus, corrections, weight=3.0, labels={"ads.invoice", "usage.howto"})
    assert Example("别的", "usage.howto") in out
    assert [e for e in out if e.style == "correction"] == [
        Example("退款没到", "ads.invoice", "correction", 3.0)
    ]
    assert corpus_hash(out) != corpus_hash(corpus)


def test_train_and_report_prints_cross_validated_figures(
    small_corpus: list[Example],
    taxonomy: Taxonomy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import kefu.triage.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "load_corpus", lambda: small_corpus)
    lines: list[str] = []
    out = tmp_path / "m.pkl"
    correction = _correction("宠物视频的封面怎么换", "ads.invoice", 0)
    commands.train_and_report(default_policy(), taxonomy, [correction], out, 2, lines.append)
    text = "\n".join(lines)
    assert "2-fold cross-validation: subcategory accuracy" in text
    assert "1 agent corrections of 1 stored" in text
    assert "warning: no examples for" in text  # a slice of the corpus: most labels missing
    model = Model.load(out)
    assert model.meta["corrections"] == 1
    assert model.predict("宠物视频的封面怎么换").label == "ads.invoice"


def test_a_model_config_round_trips_through_the_file(
    small_corpus: list[Example], tmp_path: Path
) -> None:
    config = ModelConfig(features="char_wb", estimator="svm", glossary=False)
    # Every k-th example, so the slice spans several labels however long each label's
    # run in the corpus files grows.
    model = train(small_corpus[:: max(1, len(small_corpus) // 120)], config)
    model.save(tmp_path / "m.pkl")
    assert Model.load(tmp_path / "m.pkl").config == config
