"""Template layout of a record, for tests: nothing in plugins/ needs the offsets, only the sizes in model.FIELDS."""

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import FIELDS, FlowModelError, split_field


def field_layout(fields):
    """Template layout of a record: [(keyword, type, offset, size)] in record order."""
    layout = []
    offset = 0
    for line in fields:
        parsed = split_field(line)
        if parsed is None:
            raise FlowModelError('unknown field keyword %r' % line)
        field_type, size, _kind = FIELDS[parsed[1]]
        layout.append((parsed[1], field_type, offset, size))
        offset += size
    return layout
