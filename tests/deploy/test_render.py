"""Every kustomize tree renders, and what it renders is addressed unambiguously."""

from __future__ import annotations

from collections import Counter

from tests.deploy.manifests import CLUSTER_SCOPED_KINDS, name_of, namespace_of
from tests.support.render import overlay, render


def test_every_tree_renders_objects(objects):
    assert objects, "the tree rendered nothing"


def test_no_object_is_rendered_twice(objects):
    counts = Counter(name_of(obj) for obj in objects)
    assert [name for name, count in counts.items() if count > 1] == []


def test_every_namespaced_object_names_its_namespace(objects):
    # Without one, `kubectl apply` would drop the object into whatever namespace is current.
    unplaced = [
        name_of(obj)
        for obj in objects
        if obj["kind"] not in CLUSTER_SCOPED_KINDS and not namespace_of(obj)
    ]
    assert unplaced == []


# Namespaces every cluster has: the metrics-server component installs into kube-system as
# upstream does, and must not own (or ever delete) it.
SYSTEM_NAMESPACES = {"kube-system"}


def test_every_namespace_used_is_created_by_the_same_tree(objects):
    created = {obj["metadata"]["name"] for obj in objects if obj["kind"] == "Namespace"}
    used = {namespace_of(obj) for obj in objects} - {None} - SYSTEM_NAMESPACES
    assert used - created == set()


def test_the_kind_overlay_holds_the_app_and_the_monitoring_stack():
    namespaces = {
        obj["metadata"]["name"] for obj in render(overlay("kind")) if obj["kind"] == "Namespace"
    }
    assert {"stock-monitoring", "monitoring"} <= namespaces
