"""Arithmetic tasks, a tiny decoder-only transformer family, training and evaluation (chapters 5 and 7).

The pieces and the one interface between them:

    tasks.py      ArithmeticTask (frozen): token layout, train/test split with no overlap, batches
    model.py      ModelConfig (frozen), EnsembleTransformer(config, num_members, seeds=...): E same-shaped
                  models (one per seed) in one module, forward(X: LongTensor (E, B, T)) -> logits
                  (E, B, T, V); count_params, family (10 sizes, 678 ... 8e5 parameters)
    train.py      TrainConfig (frozen), train(config, sample_batch, progress=True) -> TrainResult
                  (model, loss history, wall time, tokens seen), tqdm progress
    evaluate.py   collect_outputs: fixed outputs of a trained ensemble on a fixed test set (teacher-forced
                  log-probs, greedy answers, multiple-choice candidates); score: every metric -> tidy rows
    sweep.py      SweepConfig, run_sweep (cached per model size), results/ tables; the CLI behind `make sweep`
    chance.py     chance levels over every problem of a task (per target length, and per test item):
                  random digits, the best constant guess
    sampling.py   answers sampled from a trained model: exact answer probabilities, sampled passes, PassUntil
    tables.py     summaries of a sweep table: lengths pooled by items, seed curves, fitted ratios, step shares,
                  exact-match counts against chance levels (intervals, verdicts, the strongest level cleared)

tasks, model, train and evaluate (with ``helpers/metrics.py``) are hashed into the sweep's code version
(``sweep.code_version``), so their names and contents stay and their docstrings carry no chapter
pointers: they are taught in chapter 5, sections 'The task: $k$-digit times 1-digit multiplication'
(tasks) and 'The committed sweep' (model, train, evaluate).

Token layout shared by all tasks (tasks.py owns it): VOCAB = digits 0-9, '+', '*', '=', PAD.
A sequence is   [PAD ... PAD] a-digits op b-digits '='  answer-digits [PAD ...]
with the '=' at the same column for every item of a task, so the answer starts at column
``task.answer_start`` for all items; the answer has ``task.answer_len`` columns (items with a shorter
answer are right-padded with PAD and carry a smaller target length). The model predicts token t+1
from tokens <= t; the training loss is taken only on answer columns (``answer_mask``).
"""
