#!/usr/bin/env bash
# Rasa's own environment, training and server (Rasa 3.6 needs Python 3.10 and
# SQLAlchemy 1.4, so it never shares Haven's virtual environment).
#
#   nlu/rasa.sh env      make .venv-rasa (a link into a cache keyed by the pinned requirements)
#   nlu/rasa.sh train    train the model from nlu/ unless one for this data exists; print its path
#   nlu/rasa.sh serve    env + train + `rasa run --enable-api` on $RASA_HOST:$RASA_PORT
#                        (with --auth-token $HAVEN_RASA_TOKEN when that is set, as Haven sends it)
#   nlu/rasa.sh validate `rasa data validate` on the project
#
# The environment is about 2.7 GB and takes minutes to install, so it lives in
# $HAVEN_CACHE_DIR (default ~/.cache/haven) under the digest of requirements-rasa.txt;
# a machine without the cache builds it from scratch.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
requirements="$here/requirements-rasa.txt"
cache="${HAVEN_CACHE_DIR:-$HOME/.cache/haven}"
venv_link="$root/.venv-rasa"
models="${HAVEN_VAR_DIR:-$root/var}/rasa-models"
RASA_HOST="${RASA_HOST:-127.0.0.1}"
# Rasa would otherwise send telemetry and error reports to its servers: nothing
# about Haven's users may leave the machine, and tests must not touch the internet.
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
RASA_PORT="${RASA_PORT:-5005}"

find_python310() {
    if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import venv' 2>/dev/null; then
        command -v python3.10
        return
    fi
    local root_dir
    root_dir="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
    for candidate in "$root_dir"/versions/3.10*/bin/python3.10; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return
        fi
    done
    echo "nlu/rasa.sh: Rasa 3.6 needs Python 3.10; install it (e.g. pyenv install 3.10)" >&2
    exit 1
}

ensure_env() {
    local key target
    key="$(sha256sum "$requirements" | cut -c1-16)"
    target="$cache/venv-rasa-$key"
    mkdir -p "$cache"
    (
        flock 8  # one build at a time; the others wait for it and use it
        if [ ! -x "$target/bin/rasa" ] || [ ! -f "$target/.complete" ]; then
            echo "nlu/rasa.sh: building Rasa's environment in $target (minutes, about 2.7 GB)" >&2
            rm -rf "$target"
            "$(find_python310)" -m venv "$target"
            # setuptools and wheel first: several pinned packages build with them
            grep -E '^(setuptools|wheel)==' "$requirements" \
                | xargs "$target/bin/python" -m pip install --quiet
            "$target/bin/python" -m pip install --quiet --no-deps -r "$requirements"
            "$target/bin/python" -m pip check >&2
            touch "$target/.complete"
        fi
    ) 8>"$cache/venv-rasa-$key.lock"
    ln -sfn "$target" "$venv_link"
}

model_digest() {
    (cd "$here" && cat config.yml && find data -name '*.yml' | LC_ALL=C sort | xargs cat) \
        | sha256sum | cut -c1-16
}

train() {
    ensure_env
    local name model scratch
    name="nlu-$(model_digest)"
    model="$models/$name.tar.gz"
    mkdir -p "$models"
    # Two test workers may ask at once: one trains, the other waits and finds the model;
    # training goes to a scratch folder so that nobody ever reads half an archive.
    (
        flock 9
        if [ ! -f "$model" ]; then
            scratch="$(mktemp -d "$models/.train.XXXXXX")"
            "$venv_link/bin/rasa" train nlu \
                --config "$here/config.yml" --nlu "$here/data" \
                --out "$scratch" --fixed-model-name "$name" >&2
            mv "$scratch/$name.tar.gz" "$model"
            rm -rf "$scratch"
        fi
    ) 9>"$models/.train.lock"
    echo "$model"
}

case "${1:-serve}" in
    env) ensure_env ;;
    train) train ;;
    validate)
        ensure_env
        "$venv_link/bin/rasa" data validate \
            --domain "$here/domain.yml" --data "$here/data" --config "$here/config.yml"
        ;;
    serve)
        model="$(train)"
        exec "$venv_link/bin/rasa" run --enable-api \
            ${HAVEN_RASA_TOKEN:+--auth-token "$HAVEN_RASA_TOKEN"} \
            --model "$model" --interface "$RASA_HOST" --port "$RASA_PORT"
        ;;
    *) echo "usage: nlu/rasa.sh env|train|validate|serve" >&2; exit 2 ;;
esac
