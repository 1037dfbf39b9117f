"""Distillguard's LiteLLM proxy callback: every request's log record onto a Kafka topic.

LiteLLM has no Kafka logger. This callback puts each request's
``kwargs["standard_logging_object"]`` (a StandardLoggingPayload) on the topic the
Distillguard ingest reads, as UTF-8 JSON keyed by the tenant, for successes and failures.

It must never slow down or break the proxy: the hooks only serialise the record and hand it
to a bounded in-memory queue; a background thread feeds the Kafka producer. When Kafka is
away longer than the queues hold, records are dropped and counted, never waited for.

Enable it in the proxy config (see README.md beside this file)::

    litellm_settings:
      callbacks: distillguard_kafka.kafka_logger
"""

import atexit
import collections
import hashlib
import json
import logging
import os
import queue
import re
import signal
import sys
import threading
import time

from confluent_kafka import KafkaException, Producer
from litellm.integrations.custom_logger import CustomLogger

DEFAULT_TOPIC = "litellm-logs"
DEFAULT_CLIENT_ID = "distillguard-litellm"
DEFAULT_QUEUE_SIZE = 5000
DEFAULT_STATS_INTERVAL_S = 60.0
DEFAULT_SHUTDOWN_FLUSH_S = 5.0
RECENT_IDS = 10000
# LiteLLM logs SHA-256 of a key, except raw keys not starting with sk- (1.108.7) and the
# master key's placeholder.
KEY_HASH = re.compile(r"[0-9a-f]{64}")
MASTER_KEY_PLACEHOLDER = "litellm_proxy_master_key"
ERROR_LOG_INTERVAL_S = 10.0

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")

# Environment variable -> librdkafka property, passed through as given.
PASSTHROUGH = {
    "DG_KAFKA_SECURITY_PROTOCOL": "security.protocol",
    "DG_KAFKA_SASL_MECHANISM": "sasl.mechanism",
    "DG_KAFKA_SASL_USERNAME": "sasl.username",
    "DG_KAFKA_SASL_PASSWORD": "sasl.password",
    "DG_KAFKA_SSL_CA_LOCATION": "ssl.ca.location",
    "DG_KAFKA_SSL_CERTIFICATE_LOCATION": "ssl.certificate.location",
    "DG_KAFKA_SSL_KEY_LOCATION": "ssl.key.location",
    "DG_KAFKA_SSL_KEY_PASSWORD": "ssl.key.password",
}
SECRETS = ("sasl.password", "ssl.key.password")
# A secret may come from a file instead (container secrets), as the services read it too.
SECRET_FILES = {
    "DG_KAFKA_SASL_PASSWORD_FILE": ("DG_KAFKA_SASL_PASSWORD", "sasl.password"),
    "DG_KAFKA_SSL_KEY_PASSWORD_FILE": ("DG_KAFKA_SSL_KEY_PASSWORD", "ssl.key.password"),
}
FILE_SETTINGS = (
    "DG_KAFKA_SSL_CA_LOCATION",
    "DG_KAFKA_SSL_CERTIFICATE_LOCATION",
    "DG_KAFKA_SSL_KEY_LOCATION",
)


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        return json.dumps(line)


def _make_log():
    logger = logging.getLogger("distillguard.kafka")
    # LiteLLM configures only its own loggers: without a handler of ours the stats and
    # delivery errors would reach nobody.
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(os.environ.get("DG_KAFKA_LOG_LEVEL", "INFO").upper())
    return logger


class Throttle(logging.Filter):
    """Lets a line through once per ERROR_LOG_INTERVAL_S: an outage repeats the same one."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def filter(self, record):
        now = time.monotonic()
        text = record.getMessage()
        last = self.seen.get(text)
        if last is not None and now - last < ERROR_LOG_INTERVAL_S:
            return False
        if len(self.seen) > 1000:
            self.seen.clear()
        self.seen[text] = now
        return True


log = _make_log()
# librdkafka's own lines (connection failures, retries) through the same JSON handler.
CLIENT_LOG = log.getChild("client")
CLIENT_LOG.addFilter(Throttle())


class ConfigError(ValueError):
    """The environment does not describe a usable Kafka connection."""


def _number(env, name, default, kind, minimum):
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ConfigError(f"{name}={raw!r}: expected a number >= {minimum}")
    return value


def settings_from_env(env=None):
    """Producer config and logger settings from DG_KAFKA_*; ConfigError says what to fix."""
    env = os.environ if env is None else env
    brokers = env.get("DG_KAFKA_BROKERS", "").strip()
    if not brokers:
        raise ConfigError(
            "DG_KAFKA_BROKERS is not set: give the Kafka bootstrap servers "
            "as host:port[,host:port...]"
        )
    for broker in brokers.split(","):
        host, _, port = broker.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"DG_KAFKA_BROKERS: {broker.strip()!r} is not host:port")
    topic = env.get("DG_KAFKA_TOPIC", "").strip() or DEFAULT_TOPIC
    if len(topic) > 249 or not all(c.isalnum() or c in "._-" for c in topic):
        raise ConfigError(
            f"DG_KAFKA_TOPIC={topic!r}: a Kafka topic is 1-249 letters, digits, . _ -"
        )
    queue_size = _number(env, "DG_KAFKA_QUEUE_SIZE", DEFAULT_QUEUE_SIZE, int, 1)
    config = {
        "bootstrap.servers": brokers,
        "client.id": env.get("DG_KAFKA_CLIENT_ID", "").strip() or DEFAULT_CLIENT_ID,
        # librdkafka's own queue is the second half of the buffer: bounded the same way.
        "queue.buffering.max.messages": queue_size,
        "acks": "all",
        # The ingest's kafkajs reads gzip and uncompressed batches only.
        "compression.type": "gzip",
    }
    for name, prop in PASSTHROUGH.items():
        value = env.get(name, "").strip()
        if value:
            config[prop] = value
    for name, (plain, prop) in SECRET_FILES.items():
        path = env.get(name, "").strip()
        if not path:
            continue
        if prop in config:
            raise ConfigError(f"{name} is set beside {plain}: set only one of them")
        try:
            with open(path, encoding="utf-8") as f:
                # Files written by echo or an editor end with a newline that is no part of it.
                value = re.sub(r"\r?\n\Z", "", f.read())
        except OSError as e:
            raise ConfigError(f"{name}={path!r}: cannot read it ({e.strerror})") from None
        if not value:
            raise ConfigError(f"{name}={path!r}: the file is empty")
        config[prop] = value
    protocol = config.get("security.protocol", "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise ConfigError(
            f"DG_KAFKA_SECURITY_PROTOCOL={protocol!r}: expected one of "
            + ", ".join(SECURITY_PROTOCOLS)
        )
    if protocol.startswith("SASL_"):
        mechanism = config.get("sasl.mechanism", "").upper()
        if mechanism not in SASL_MECHANISMS:
            raise ConfigError(
                f"DG_KAFKA_SASL_MECHANISM={mechanism!r}: with {protocol} set one of "
                + ", ".join(SASL_MECHANISMS)
            )
        # librdkafka compares mechanism names as written: scram-sha-512 would not match.
        config["sasl.mechanism"] = mechanism
        if "sasl.username" not in config or "sasl.password" not in config:
            raise ConfigError(
                f"{protocol} needs DG_KAFKA_SASL_USERNAME and DG_KAFKA_SASL_PASSWORD"
                " (or DG_KAFKA_SASL_PASSWORD_FILE)"
            )
    for name in FILE_SETTINGS:
        path = env.get(name, "").strip()
        if path and not os.path.isfile(path):
            raise ConfigError(f"{name}={path!r}: no such file")
    return {
        "producer": config,
        "topic": topic,
        "queue_size": queue_size,
        "stats_interval_s": _number(
            env, "DG_KAFKA_STATS_INTERVAL_S", DEFAULT_STATS_INTERVAL_S, float, 0.1
        ),
        "shutdown_flush_s": _number(
            env, "DG_KAFKA_SHUTDOWN_FLUSH_S", DEFAULT_SHUTDOWN_FLUSH_S, float, 0
        ),
    }


def without_secrets(config, text):
    for prop in SECRETS:
        if config.get(prop):
            text = text.replace(config[prop], "***")
    return text


def without_raw_key(payload):
    """The payload with a raw API key replaced by the SHA-256 LiteLLM logs for other keys.

    A copy: other callbacks get LiteLLM's dict unchanged.
    """
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        return payload
    key = metadata.get("user_api_key_hash")
    if not isinstance(key, str) or not key or key == MASTER_KEY_PLACEHOLDER:
        return payload
    if KEY_HASH.fullmatch(key):
        return payload
    hashed = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return {**payload, "metadata": {**metadata, "user_api_key_hash": hashed}}


# Identities LiteLLM logs in place of one: with only a master key every caller is this user.
PLACEHOLDER_USERS = ("default_user_id",)


def tenant_of(payload):
    """The account the ingest bills this record to, in the order of packages/litellm map.ts:
    team, user (not a placeholder), org, end user, then the key."""
    metadata = payload.get("metadata") or {}
    team = metadata.get("user_api_key_team_id")
    if team:
        return str(team)
    user = metadata.get("user_api_key_user_id")
    if user and user not in PLACEHOLDER_USERS:
        return str(user)
    org = metadata.get("user_api_key_org_id")
    if org:
        return str(org)
    end_user = payload.get("end_user") or metadata.get("user_api_key_end_user_id")
    if end_user:
        return str(end_user)
    key = metadata.get("user_api_key_hash")
    return str(key) if key else None


class DistillguardKafkaLogger(CustomLogger):
    def __init__(self, env=None):
        super().__init__()
        settings = settings_from_env(env)
        config = settings["producer"]
        self.topic = settings["topic"]
        self.stats_interval_s = settings["stats_interval_s"]
        self.shutdown_flush_s = settings["shutdown_flush_s"]
        self.queue = queue.Queue(maxsize=settings["queue_size"])
        self.counts = {
            "queued": 0,
            "dropped_queue_full": 0,
            "skipped_no_payload": 0,
            "skipped_duplicate": 0,
            "failed_in_hook": 0,
            "delivered": 0,
            "delivery_failed": 0,
        }
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        # Records the thread has given to librdkafka (or failed to): flush waits for `queued`.
        self.handed = 0
        self.last_warning = {}
        self.recent = collections.OrderedDict()
        try:
            self.producer = Producer(
                {**config, "error_cb": self._on_client_error, "logger": CLIENT_LOG}
            )
        except KafkaException as e:
            raise ConfigError(
                "the Kafka client rejected the DG_KAFKA_* settings: "
                + without_secrets(config, str(e))
            ) from None
        self.thread = threading.Thread(
            target=self._run, name="distillguard-kafka", daemon=True
        )
        self.thread.start()
        atexit.register(self.close)
        self._flush_on_signals()
        shown = {k: ("***" if k in SECRETS else v) for k, v in config.items()}
        log.info("started", extra={"fields": {"topic": self.topic, "config": shown}})

    # LiteLLM calls the sync hooks for sync SDK calls and the async ones for the proxy's
    # requests, but failures the proxy raises itself (unknown model, authentication) reach
    # both with the same payload (1.108.7): _offer keeps the first.
    def log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._offer(kwargs)

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._offer(kwargs)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._offer(kwargs)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._offer(kwargs)

    def stats(self):
        with self.lock:
            return {**self.counts, "in_queue": self.queue.qsize()}

    def _count(self, name, n=1):
        with self.lock:
            self.counts[name] += n

    def _offer(self, kwargs):
        # On the proxy's request path: never raises, never waits.
        try:
            payload = (kwargs or {}).get("standard_logging_object")
            if not isinstance(payload, dict):
                self._count("skipped_no_payload")
                return
            if self._seen_before(payload.get("id"), payload.get("status")):
                self._count("skipped_duplicate")
                return
            # A secret must not reach a topic that is retained and read by other services.
            payload = without_raw_key(payload)
            # Serialised here, not on the thread: LiteLLM may change the dict after the hook.
            value = json.dumps(payload, default=str, ensure_ascii=False).encode("utf-8")
            key = tenant_of(payload)
            self.queue.put_nowait((key.encode("utf-8") if key else None, value))
            self._count("queued")
        except queue.Full:
            self._count("dropped_queue_full")
            self._warn("queue full: records are being dropped")
        except Exception as e:
            self._count("failed_in_hook")
            self._warn("record not logged", error=type(e).__name__)

    def _seen_before(self, record_id, status):
        if record_id is None:
            return False
        record_id = (record_id, status)
        with self.lock:
            if record_id in self.recent:
                return True
            self.recent[record_id] = True
            if len(self.recent) > RECENT_IDS:
                self.recent.popitem(last=False)
            return False

    def _run(self):
        pending = None
        deadline = None
        next_stats = time.monotonic() + self.stats_interval_s
        last_stats = None
        while True:
            if self.stopping.is_set():
                deadline = deadline or time.monotonic() + self.shutdown_flush_s
                if (pending is None and self.queue.empty()) or time.monotonic() > deadline:
                    break
            if pending is None:
                try:
                    pending = self.queue.get(timeout=0.1)
                except queue.Empty:
                    pass
            if pending is not None:
                try:
                    self.producer.produce(
                        self.topic,
                        key=pending[0],
                        value=pending[1],
                        on_delivery=self._on_delivery,
                    )
                    pending = None
                    self.handed += 1
                except BufferError:
                    # librdkafka's queue is full too: hold this record and let the
                    # in-memory queue absorb (and, once full, drop) what arrives meanwhile.
                    self.producer.poll(0.1)
                except Exception as e:
                    pending = None
                    self.handed += 1
                    self._count("delivery_failed")
                    self._warn("produce failed", error=str(e))
            self.producer.poll(0)
            if time.monotonic() >= next_stats:
                next_stats = time.monotonic() + self.stats_interval_s
                current = self.stats()
                if current != last_stats:
                    log.info("stats", extra={"fields": current})
                    last_stats = current

    def _on_delivery(self, err, msg):
        if err is None:
            self._count("delivered")
            return
        self._count("delivery_failed")
        self._warn("delivery failed", error=err.str())

    def _on_client_error(self, err):
        # Broker away, authentication refused: librdkafka retries by itself, so this informs.
        self._warn("kafka client error", error=err.str())

    def _warn(self, message, **fields):
        # One line per kind of trouble every ERROR_LOG_INTERVAL_S: a Kafka outage must not
        # flood the proxy's log with a line per request.
        now = time.monotonic()
        last = self.last_warning.get(message)
        if last is not None and now - last < ERROR_LOG_INTERVAL_S:
            return
        self.last_warning[message] = now
        log.warning(message, extra={"fields": {**fields, **self.stats()}})

    def flush(self, timeout_s):
        """Wait up to timeout_s for every record handed over so far; how many are still not."""
        deadline = time.monotonic() + timeout_s
        while self.handed < self.stats()["queued"] and time.monotonic() < deadline:
            time.sleep(0.01)
        self.producer.flush(max(0.0, deadline - time.monotonic()))
        return self.unsettled()

    def unsettled(self):
        """Records accepted but neither delivered nor failed: lost if the process ends now."""
        s = self.stats()
        return s["queued"] - s["delivered"] - s["delivery_failed"]

    def _flush_on_signals(self):
        # uvicorn answers SIGTERM by draining requests, then restores the default handler and
        # raises the signal again: the process ends without running atexit. So the signal is
        # the last moment to hand the queue to Kafka. The previous handler still runs after.
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if previous in (signal.SIG_IGN, None):
                continue

            def on_signal(signum, frame, previous=previous):
                fields = {"signal": signum, "undelivered": self.flush(self.shutdown_flush_s)}
                log.info("flushed on signal", extra={"fields": {**fields, **self.stats()}})
                if callable(previous):
                    previous(signum, frame)
                else:
                    signal.signal(signum, previous)
                    signal.raise_signal(signum)

            signal.signal(sig, on_signal)

    def close(self):
        """Hand the queue to Kafka and wait up to DG_KAFKA_SHUTDOWN_FLUSH_S for it."""
        if self.stopping.is_set():
            return
        started = time.monotonic()
        self.stopping.set()
        self.thread.join()
        left = max(0.0, self.shutdown_flush_s - (time.monotonic() - started))
        self.producer.flush(left)
        log.info("stopped", extra={"fields": {"undelivered": self.unsettled(), **self.stats()}})


def _from_env():
    try:
        return DistillguardKafkaLogger()
    except ConfigError as e:
        # Raised while the proxy loads its config, so it stops at start with this message.
        raise ConfigError(f"distillguard_kafka: {e}") from None


kafka_logger = _from_env()
