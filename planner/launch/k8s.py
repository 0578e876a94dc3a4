"""A Kubernetes Deployment (and Service) running the plan's replicas as vLLM pods.

The YAML is written by hand: every string is a JSON string, which YAML reads as it is.
"""

from __future__ import annotations

import json
import re

from planner.estimate.inputs import Deployment, Workload
from planner.estimate.scenario import Estimate
from planner.launch.config import LaunchError
from planner.launch.engines import vllm_argv

IMAGE = "vllm/vllm-openai:v0.33.0"
PORT = 8000  # vLLM's FrontendArgs.port default
HEALTH_PATH = "/health"


def _q(s: str) -> str:
    return json.dumps(s)


def _name(dep: Deployment) -> str:
    raw = f"vllm-{dep.model.id}-{dep.quant.id}".lower()
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", raw)).strip("-")[:63].rstrip("-")


def manifest(
    dep: Deployment,
    wl: Workload,
    est: Estimate,
    model_path: str | None,
    image: str | None,
) -> tuple[str, list[str], list[str]]:
    """YAML text, the container's command line, notes."""
    if dep.gpu.vendor != "nvidia":
        raise LaunchError(
            f"the Kubernetes manifest is for NVIDIA GPUs (nvidia.com/gpu, CUDA image); "
            f"{dep.gpu.name} is {dep.gpu.vendor}"
        )
    argv, notes = vllm_argv(dep, wl, est, model_path, per_replica=True)
    gpus = dep.tp * dep.pp
    name = _name(dep)
    img = image or IMAGE
    lines = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {_q(name)}",
        "  labels:",
        f"    app: {_q(name)}",
        "spec:",
        f"  replicas: {dep.replicas}",
        "  selector:",
        "    matchLabels:",
        f"      app: {_q(name)}",
        "  template:",
        "    metadata:",
        "      labels:",
        f"        app: {_q(name)}",
        "    spec:",
        "      containers:",
        '        - name: "vllm"',
        f"          image: {_q(img)}",
        f"          command: [{', '.join(_q(a) for a in argv[:2])}]",
        "          args:",
        *[f"            - {_q(a)}" for a in argv[2:]],
        "          env:",
        '            - name: "HF_TOKEN"',
        "              valueFrom:",
        "                secretKeyRef:",
        '                  name: "hf-token"',
        '                  key: "token"',
        "                  optional: true",
        "          ports:",
        f"            - containerPort: {PORT}",
        '              name: "http"',
        "          resources:",
        "            limits:",
        f'              nvidia.com/gpu: "{gpus}"',
        "          readinessProbe:",
        "            httpGet:",
        f"              path: {_q(HEALTH_PATH)}",
        f"              port: {PORT}",
        "            initialDelaySeconds: 30",
        "            periodSeconds: 10",
        "            failureThreshold: 3",
        "          volumeMounts:",
        '            - name: "dshm"',
        '              mountPath: "/dev/shm"',
        '            - name: "hf-cache"',
        '              mountPath: "/root/.cache/huggingface"',
        "      volumes:",
        '        - name: "dshm"',
        "          emptyDir:",
        '            medium: "Memory"',
        '        - name: "hf-cache"',
        "          emptyDir: {}",
        "---",
        "apiVersion: v1",
        "kind: Service",
        "metadata:",
        f"  name: {_q(name)}",
        "spec:",
        "  selector:",
        f"    app: {_q(name)}",
        "  ports:",
        '    - name: "http"',
        f"      port: {PORT}",
        f"      targetPort: {PORT}",
    ]
    notes += [
        f"replicas {dep.replicas}: the plan's data-parallel copies, one pod each; every pod needs "
        f"{gpus} GPU(s) (tp {dep.tp} x pp {dep.pp}) on one node",
        f"image {img}" + ("" if image else " is assumed: use the vLLM image your cluster mirrors"),
        "HF_TOKEN comes from the secret 'hf-token' (key 'token') when it exists; gated repos "
        "need it",
        "the hf-cache volume is an emptyDir, so weights download again after a restart: use a "
        "PersistentVolumeClaim with the weights for an offline cluster",
        "/dev/shm is an in-memory volume: the GPU workers of one pod exchange data through it",
        f"readiness: GET {HEALTH_PATH} on port {PORT} (vLLM's default port)",
    ]
    return "\n".join(lines) + "\n", argv, notes
