#include "plugins/store/http_server.hpp"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::plugins::store {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kChunk = 256 * 1024;

std::string_view plain(beast::string_view text) { return {text.data(), text.size()}; }

std::int64_t now_s() { return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count(); }

// What the connection set holds of a connection, plain or TLS.
class ServedConnection : public HttpExchange {
public:
    virtual void run() = 0;
    // Wakes a thread blocked on the socket (its read or write fails), from another thread:
    // Asio's sockets may not be closed concurrently, shutdown(2) on the descriptor may.
    virtual void cut() noexcept = 0;
    [[nodiscard]] virtual std::int64_t idle_since() const = 0;
};

// Stream: tcp::socket, or TlsStream (--tls-cert), which is handshaken first.
template <typename Stream>
class Connection final : public ServedConnection {
public:
    Connection(tcp::socket socket, const Handler& handler) requires std::is_same_v<Stream, tcp::socket>
        : socket_(std::move(socket)), handler_(handler) {
        touch();
    }
    Connection(tcp::socket socket, asio::ssl::context& tls, const Handler& handler) requires std::is_same_v<Stream, TlsStream>
        : socket_(std::move(socket), tls), handler_(handler) {
        touch();
    }

    void run() override;
    void cut() noexcept override { ::shutdown(socket_.lowest_layer().native_handle(), SHUT_RDWR); }
    [[nodiscard]] std::int64_t idle_since() const override { return last_activity_.load(); }

    std::string_view method() const override { return plain(request().method_string()); }
    std::string_view target() const override { return plain(request().target()); }
    std::string header(std::string_view name) const override {
        const auto it = request().find(beast::string_view(name.data(), name.size()));
        return it == request().end() ? std::string() : std::string(it->value());
    }
    std::optional<std::uint64_t> content_length() const override {
        const auto length = parser_->content_length();
        return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
    }
    void read_body(const std::function<void(std::string_view)>& sink) override;
    void respond(int status, const Headers& headers, std::string body) override;
    void respond_streamed(int status, const Headers& headers, std::uint64_t length, bool head_only,
                          const std::function<std::size_t(char*, std::size_t)>& produce) override;

private:
    const http::request<http::buffer_body>& request() const { return parser_->get(); }
    void touch() { last_activity_.store(now_s()); }
    // Kept alive only when the client asks to and its whole body was read: the bytes of a body
    // left unread would be taken for the next request.
    bool keep_alive() const { return request().keep_alive() && parser_->is_done(); }
    template <typename Response>
    void set_head(Response& response, int status, const Headers& headers) {
        if (responded_) throw ClientGone("the answer broke off after it began");
        response.result(static_cast<http::status>(status));
        response.version(11);
        response.set(http::field::server, "cedana-store");
        for (const auto& [name, value] : headers) response.set(name, value);
        response.keep_alive(keep_alive());
        keep_alive_ = keep_alive();
        responded_ = true;
    }

    Stream socket_;
    const Handler& handler_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::buffer_body>> parser_;
    bool continued_ = false;
    bool responded_ = false;
    bool keep_alive_ = false;
    std::atomic<std::int64_t> last_activity_{0};
};

template <typename Stream>
void Connection<Stream>::read_body(const std::function<void(std::string_view)>& sink) {
    beast::error_code ec;
    if (!continued_ && beast::iequals(header("Expect"), "100-continue")) {
        continued_ = true;
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        http::write(socket_, go_on, ec);
        if (ec) throw ClientGone("the client went away: " + ec.message());
    }
    std::vector<char> chunk(kChunk);
    auto& body = parser_->get().body();
    while (!parser_->is_done()) {
        body.data = chunk.data();
        body.size = chunk.size();
        http::read(socket_, buffer_, *parser_, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) throw ClientGone("the client broke off the body: " + ec.message());
        touch();
        const std::size_t got = chunk.size() - body.size;
        if (got > 0) sink(std::string_view(chunk.data(), got));
    }
}

template <typename Stream>
void Connection<Stream>::respond(int status, const Headers& headers, std::string body) {
    http::response<http::string_body> response;
    set_head(response, status, headers);
    response.body() = std::move(body);
    response.prepare_payload();
    beast::error_code ec;
    http::write(socket_, response, ec);
    if (ec) throw ClientGone("the client went away: " + ec.message());
    touch();
}

template <typename Stream>
void Connection<Stream>::respond_streamed(int status, const Headers& headers, std::uint64_t length, bool head_only,
                                  const std::function<std::size_t(char*, std::size_t)>& produce) {
    beast::error_code ec;
    if (head_only) {
        http::response<http::empty_body> response;
        set_head(response, status, headers);
        response.content_length(length);
        http::response_serializer<http::empty_body> serializer(response);
        http::write_header(socket_, serializer, ec);
        if (ec) throw ClientGone("the client went away: " + ec.message());
        return;
    }
    http::response<http::buffer_body> response;
    set_head(response, status, headers);
    response.content_length(length);
    response.body().data = nullptr;
    response.body().more = true;
    http::response_serializer<http::buffer_body> serializer(response);
    http::write_header(socket_, serializer, ec);
    if (ec) throw ClientGone("the client went away: " + ec.message());
    // Once the head is out, a failure can only cut the connection: the client sees fewer
    // bytes than Content-Length promised, never a short body taken for whole.
    keep_alive_ = false;
    std::vector<char> chunk(kChunk);
    std::uint64_t left = length;
    do {
        const std::size_t n = left == 0 ? 0 : produce(chunk.data(), static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), left)));
        if (left > 0 && n == 0) fail(ErrorKind::internal, "the file ended before the {} bytes promised", length);
        left -= n;
        response.body().data = n == 0 ? nullptr : chunk.data();
        response.body().size = n;
        response.body().more = left > 0;
        http::write(socket_, serializer, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) throw ClientGone("the client went away: " + ec.message());
        touch();
    } while (left > 0);
    keep_alive_ = keep_alive();
}

template <typename Stream>
void Connection<Stream>::run() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
        beast::error_code ec;
        socket_.handshake(asio::ssl::stream_base::server, ec);
        if (ec) {
            spdlog::debug("store: a TLS handshake failed: {}", ec.message());
            socket_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
            return;
        }
        touch();
    }
    for (;;) {
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        // Checkpoints are as big as the memory of what was dumped.
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        continued_ = responded_ = keep_alive_ = false;
        beast::error_code ec;
        http::read_header(socket_, buffer_, *parser_, ec);
        if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) break;
        if (ec) {
            spdlog::debug("store: unreadable request from a client: {}", ec.message());
            break;
        }
        touch();
        try {
            handler_(*this);
            if (!responded_) respond(500, {{"Content-Type", "application/json"}}, R"({"error":"the request was not answered"})");
        } catch (const std::exception& e) {
            spdlog::debug("store: {} {}: {}", std::string(method()), std::string(target()), e.what());
            if (!responded_) {
                try {
                    keep_alive_ = false;
                    respond(500, {{"Content-Type", "application/json"}}, R"({"error":"internal error of the store"})");
                } catch (const std::exception&) {
                }
            }
            break;
        }
        if (!keep_alive_) break;
    }
    // The client may have gone first; nothing is left to tell it. TLS: one close_notify
    // sent, the client's not waited for (a client that never answers would hold the thread).
    if constexpr (std::is_same_v<Stream, TlsStream>) ::SSL_shutdown(socket_.native_handle());
    beast::error_code ignored;
    socket_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
}

// The connections being served, and the one thread that cuts those idle too long.
class ConnectionSet {
public:
    ConnectionSet(const ServerOptions& options, asio::ssl::context* tls)
        : options_(options), tls_(tls), watchdog_([this](std::stop_token stop) { watch(stop); }) {}
    ~ConnectionSet() { stop_all(); }

    void serve(tcp::socket socket, const Handler& handler) {
        std::unique_lock lock(mutex_);
        reap_locked();
        if (entries_.size() >= options_.max_connections) {
            lock.unlock();
            refuse(std::move(socket));
            return;
        }
        auto& entry = entries_.emplace_back();
        if (tls_ != nullptr) {
            entry.connection = std::make_unique<Connection<TlsStream>>(std::move(socket), *tls_, handler);
        } else {
            entry.connection = std::make_unique<Connection<tcp::socket>>(std::move(socket), handler);
        }
        entry.thread = std::jthread([connection = entry.connection.get(), done = &entry.done] {
            connection->run();
            done->store(true);
        });
    }

    void stop_all() {
        std::list<Entry> entries;
        {
            const std::lock_guard lock(mutex_);
            stopping_ = true;
            for (auto& entry : entries_) entry.connection->cut();
            entries.splice(entries.end(), entries_);
        }
        stopped_.notify_all();
        entries.clear();
        watchdog_.request_stop();
    }

private:
    struct Entry {
        std::unique_ptr<ServedConnection> connection;
        std::atomic<bool> done{false};
        std::jthread thread;
        ~Entry() {
            if (thread.joinable()) thread.join();
        }
    };

    // Answered on the accepting thread: a refusal is small and fits the socket's buffer. A TLS
    // client is only closed on: a handshake there would let one slow client stall the rest.
    void refuse(tcp::socket socket) const {
        beast::error_code ec;
        if (tls_ != nullptr) {
            socket.shutdown(tcp::socket::shutdown_both, ec);
            return;
        }
        http::response<http::string_body> response{http::status::service_unavailable, 11};
        response.set(http::field::content_type, "application/json");
        response.keep_alive(false);
        response.body() = R"({"error":"the store serves too many connections at once; retry later"})";
        response.prepare_payload();
        http::write(socket, response, ec);
        if (ec) spdlog::debug("store: a refused client went away: {}", ec.message());
        socket.shutdown(tcp::socket::shutdown_both, ec);
    }

    void reap_locked() {
        entries_.remove_if([](const Entry& entry) { return entry.done.load(); });
    }

    void watch(const std::stop_token& stop) {
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested() && !stopping_) {
            stopped_.wait_for(lock, std::chrono::seconds(1));
            const std::int64_t now = now_s();
            for (auto& entry : entries_) {
                if (!entry.done.load() && now - entry.connection->idle_since() > options_.idle_timeout_s) entry.connection->cut();
            }
        }
    }

    const ServerOptions& options_;
    asio::ssl::context* tls_;
    std::mutex mutex_;
    std::condition_variable stopped_;
    std::list<Entry> entries_;
    bool stopping_ = false;
    std::jthread watchdog_;
};

// TLS 1.2 and later, with the certificate chain and key of --tls-cert and --tls-key.
std::unique_ptr<asio::ssl::context> tls_context(const ServerOptions& options) {
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                     asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) fail(ErrorKind::invalid_argument, "--tls-cert {}: cannot load a PEM certificate from it ({})", options.tls_cert, ec.message());
    tls->use_private_key_file(options.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
        fail(ErrorKind::invalid_argument, "--tls-key {}: cannot load it as the PEM private key of --tls-cert {} ({})", options.tls_key, options.tls_cert,
             ec.message());
    }
    return tls;
}

}  // namespace

void serve_http(const ServerOptions& options, const Handler& handler, const std::function<void(std::uint16_t)>& listening) {
    const auto tls = options.tls_cert.empty() ? nullptr : tls_context(options);
    asio::io_context io;
    tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.host, ec);
    if (ec) fail(ErrorKind::invalid_argument, "--address {}: {} is not an IP address", options.host, options.host);
    const tcp::endpoint endpoint(address, options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot listen on {}:{}: {}", options.host, options.port, ec.message());
    listening(acceptor.local_endpoint().port());

    ConnectionSet connections(options, tls.get());
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
        acceptor.close();
        io.stop();
    });
    std::function<void()> accept = [&] {
        acceptor.async_accept([&](const boost::system::error_code& error, tcp::socket socket) {
            if (error == asio::error::operation_aborted) return;
            if (!error) connections.serve(std::move(socket), handler);
            accept();
        });
    };
    accept();
    io.run();
    connections.stop_all();
}

}  // namespace cedana::plugins::store
