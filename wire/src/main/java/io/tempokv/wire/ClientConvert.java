package io.tempokv.wire;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.wire.proto.ClientProto;
import java.util.ArrayList;
import java.util.List;

/** Client API frames (client.proto) to and from core's Request/Reply and {@link StatusInfo}. */
final class ClientConvert {
    private ClientConvert() {
    }

    // ------------------------------------------------------------------ client to server

    static ClientProto.Request proto(Request r) {
        ClientProto.Request.Builder b = ClientProto.Request.newBuilder().setId(Convert.proto(r.id()));
        for (Op op : r.ops()) {
            b.addOps(Convert.proto(op));
        }
        return b.build();
    }

    static ClientFrame decode(ClientProto.ClientFrame f) throws WireFormatException {
        switch (f.getBodyCase()) {
            case REQUEST: {
                ClientProto.Request p = f.getRequest();
                ClientRequestId id = Convert.requestId(p.hasId(), p.getId(), "Request.id");
                // An empty ops list is well formed; the replica answers it with a REJECTED reply
                // that explains the limit, which serves a client better than a closed connection.
                return new ClientFrame.RequestFrame(new Request(id, Convert.ops(p.getOpsList(), "Request.ops")));
            }
            case STATUS:
                return new ClientFrame.StatusRequestFrame(f.getStatus().getTag());
            default:
                throw Convert.bad("ClientFrame.body", "neither a request nor a status query");
        }
    }

    // ------------------------------------------------------------------ server to client

    /** A null detail is written as "" (detail is a plain proto string) and read back as null. */
    static ClientProto.Reply proto(Reply r) {
        ClientProto.Reply.Builder b = ClientProto.Reply.newBuilder()
                .setRequest(Convert.proto(r.request()))
                .setStatus(switch (r.status()) {
                    case OK -> ClientProto.Reply.Status.OK;
                    case REJECTED -> ClientProto.Reply.Status.REJECTED;
                    case UNAVAILABLE -> ClientProto.Reply.Status.UNAVAILABLE;
                    case EXPIRED -> ClientProto.Reply.Status.EXPIRED;
                });
        for (OpResult res : r.results()) {
            b.addResults(Convert.proto(res));
        }
        if (r.detail() != null) {
            b.setDetail(r.detail());
        }
        return b.build();
    }

    static ClientProto.Reply error(ClientRequestId request, String detail) {
        ClientProto.Reply.Builder b = ClientProto.Reply.newBuilder()
                .setStatus(ClientProto.Reply.Status.ERROR)
                .setDetail(detail);
        if (request != null) {
            b.setRequest(Convert.proto(request));
        }
        return b.build();
    }

    static ServerFrame decode(ClientProto.ServerFrame f) throws WireFormatException {
        switch (f.getBodyCase()) {
            case REPLY: return reply(f.getReply());
            case STATUS: return new ServerFrame.StatusFrame(status(f.getStatus()));
            default: throw Convert.bad("ServerFrame.body", "neither a reply nor a status answer");
        }
    }

    private static ServerFrame reply(ClientProto.Reply p) throws WireFormatException {
        Reply.Status status;
        switch (p.getStatus()) {
            case OK: status = Reply.Status.OK; break;
            case REJECTED: status = Reply.Status.REJECTED; break;
            case UNAVAILABLE: status = Reply.Status.UNAVAILABLE; break;
            case EXPIRED: status = Reply.Status.EXPIRED; break;
            case ERROR: {
                ClientRequestId request = p.hasRequest() ? Convert.requestId(true, p.getRequest(), "Reply.request") : null;
                return new ServerFrame.ErrorFrame(request, p.getDetail());
            }
            default: throw Convert.bad("Reply.status", "unknown status " + p.getStatusValue() + " (expected OK, REJECTED, UNAVAILABLE, EXPIRED or ERROR)");
        }
        ClientRequestId request = Convert.requestId(p.hasRequest(), p.getRequest(), "Reply.request");
        List<OpResult> results = Convert.results(p.getResultsList(), Codec.MAX_OPS, "Reply.results");
        String detail = p.getDetail().isEmpty() ? null : p.getDetail();
        return new ServerFrame.ReplyFrame(new Reply(request, status, List.copyOf(results), detail));
    }

    static ClientProto.StatusReply proto(StatusInfo s) {
        ClientProto.StatusReply.Builder b = ClientProto.StatusReply.newBuilder()
                .setTag(s.tag()).setNodeId(s.nodeId()).addAllMembers(s.members());
        for (StatusInfo.ShardStatus sh : s.shards()) {
            b.addShardsBuilder().setShard(sh.shard()).addAllMembers(sh.members()).addAllReachable(sh.reachable())
                    .setHealthy(sh.healthy()).setCommands(sh.commands()).setFastPaths(sh.fastPaths())
                    .setSlowPaths(sh.slowPaths()).setRecoveries(sh.recoveries());
        }
        return b.build();
    }

    private static StatusInfo status(ClientProto.StatusReply p) throws WireFormatException {
        int nodeId = Convert.processId(p.getNodeId(), "StatusReply.node_id");
        List<Integer> members = Convert.processIds(p.getMembersList(), Codec.MAX_MEMBERS, "StatusReply.members");
        Convert.count(p.getShardsCount(), Codec.MAX_SHARDS, "StatusReply.shards");
        List<StatusInfo.ShardStatus> shards = new ArrayList<>(p.getShardsCount());
        for (ClientProto.ShardStatus s : p.getShardsList()) {
            shards.add(new StatusInfo.ShardStatus(
                    Convert.natural(s.getShard(), "ShardStatus.shard"),
                    Convert.processIds(s.getMembersList(), Codec.MAX_MEMBERS, "ShardStatus.members"),
                    Convert.processIds(s.getReachableList(), Codec.MAX_MEMBERS, "ShardStatus.reachable"),
                    s.getHealthy(), s.getCommands(), s.getFastPaths(), s.getSlowPaths(), s.getRecoveries()));
        }
        return new StatusInfo(p.getTag(), nodeId, members, shards);
    }
}
