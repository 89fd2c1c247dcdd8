package io.tempokv.server.node;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import java.net.BindException;
import java.net.InetSocketAddress;

/** Binds a listening port; a failure names the port, what it is for and the setting to change. */
final class Bind {
    private Bind() {
    }

    static Channel listen(ServerBootstrap b, InetSocketAddress at, String what, String setting) throws InterruptedException, BindException {
        try {
            return b.bind(at).sync().channel();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            BindException named = new BindException("cannot bind the " + what + " port " + at.getHostString() + ":" + at.getPort()
                    + " (" + e.getMessage() + "); is another process using it? change " + setting + " in the config");
            named.initCause(e);
            throw named;
        }
    }
}
