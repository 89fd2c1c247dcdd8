package io.tempokv.check;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Wing-Gong-Lowe search for a linearization, with memoisation of visited configurations.
 *
 * <p>A configuration is the set of calls linearized so far plus the model state. :ok calls
 * sit in a doubly linked list of call and return entries in history order; at any node the
 * candidates are the call entries before the first remaining return (ops invoked before the
 * earliest unfinished response). Linearizing a call unlinks its entries; backtracking relinks
 * them in reverse order. Indeterminate calls (:info or never completed) have no return entry:
 * they live in a second list, are candidates once invoked before that first return, and may
 * stay unlinearized forever, so the history is linearizable once every :ok call is placed.
 *
 * <p>In <em>reuse</em> mode an indeterminate call stays available after it is linearized, so
 * the configuration is just the :ok calls and the state. That search explores a superset of
 * the real one: if it finds nothing the history is not linearizable, and if the path it finds
 * uses each indeterminate call at most once, that path is a real linearization. Only when its
 * path reuses one does {@link Linearizability} need the exact search.
 *
 * <p>Reductions that keep the search small, each preserving the verdict:
 * <ol>
 *   <li>Read-only calls consistent with the current state are linearized at once and never
 *       retried in another position: moving such a call earlier keeps every state the same
 *       and only widens later candidate windows.</li>
 *   <li>Memoisation by dominance: of two configurations agreeing on :ok calls and state, the
 *       one that has used a superset of the other's indeterminate calls has no option the
 *       other lacks, and is skipped if the other was seen.</li>
 *   <li>Indeterminate calls with equal (f, value) are interchangeable once both are invoked,
 *       so a node tries only the earliest unused one of each kind (reuse mode keeps only the
 *       earliest of each kind at all).</li>
 *   <li>Indeterminate calls are tried only after the :ok candidates fail, and all such
 *       children of a node are memoised before any is explored, so a chain of several
 *       indeterminate calls is cut off when its last call alone reaches the same state.</li>
 * </ol>
 */
final class WglSearch {

    private static final int PATH_TAIL = 12;
    private static final int MAX_FINAL_STATES = 16;
    private static final int MAX_CONCURRENT_OK = 16;
    private static final int MAX_CONCURRENT_INFO = 8;
    private static final int CLOCK_CHECK_MASK = 1023;
    private static final BitSet NO_INFO = new BitSet(0);

    /**
     * A call or return event in one of the linked lists. {@code id} numbers :ok calls and
     * indeterminate calls separately, in invocation order; {@code match} is the return entry
     * of an :ok call entry.
     */
    private static final class Entry {
        final Call call;
        final boolean ret;
        final int pos;
        final int id;
        int effect;
        Entry match;
        Entry prev;
        Entry next;

        Entry(Call call, boolean ret, int pos, int id) {
            this.call = call;
            this.ret = ret;
            this.pos = pos;
            this.id = id;
        }
    }

    /** The part of a configuration compared exactly: :ok calls (as a window) and state. */
    private record Key(int base, BitSet window, Object state) {
    }

    /** A child of a node reached by an indeterminate call, memoised before it is explored. */
    private record Choice(Entry entry, Object state) {
    }

    /** The (f, value) of an indeterminate call; equal ones are interchangeable. */
    private record Effect(String f, Object value) {
    }

    private record Frame(Entry entry, Object prevState, boolean forced, List<Choice> choices, int choice) {
    }

    private static final Entry FRESH = new Entry(null, false, -1, -1);
    private static final Entry EXHAUSTED = new Entry(null, false, -1, -1);

    private final Model model;
    private final Budget budget;
    private final boolean reuseInfo;
    private final long startNanos;
    private final Entry[] okEntries;
    /** Every indeterminate call in invocation order, and its entry (null if left out). */
    private final List<Call> allInfo;
    private final Entry[] infoEntryOf;
    private final int[] effectSeen;
    private final Entry head = new Entry(null, false, -1, -1);
    private final Entry infoHead = new Entry(null, false, -1, -1);
    private final BitSet okDone = new BitSet();
    private final BitSet infoDone = new BitSet();
    private final List<Frame> stack = new ArrayList<>();
    private final Map<Key, Object> memo = new HashMap<>();
    private final Deepest deepest = new Deepest();
    private int base;
    private Object state;
    private long stored;
    private long admitted;
    private long loops;
    private int node;

    /**
     * @param calls      calls in invocation order
     * @param reuseInfo  whether linearizing an indeterminate call leaves it available
     * @param startNanos when the check started; the budget's time limit counts from there
     */
    WglSearch(Model model, List<Call> calls, int historySize, boolean reuseInfo, Budget budget,
              long startNanos) {
        this.model = model;
        this.budget = budget;
        this.reuseInfo = reuseInfo;
        this.startNanos = startNanos;
        List<Call> ok = new ArrayList<>();
        List<Call> info = new ArrayList<>();
        for (Call c : calls) {
            (c.determinate ? ok : info).add(c);
        }
        okEntries = linkOkEntries(ok, historySize);
        allInfo = info;
        infoEntryOf = new Entry[info.size()];
        Map<Effect, Integer> effects = new HashMap<>();
        linkInfoEntries(effects);
        effectSeen = new int[effects.size()];
    }

    private Entry[] linkOkEntries(List<Call> ok, int historySize) {
        Entry[] byPos = new Entry[historySize];
        Entry[] calls = new Entry[ok.size()];
        for (int id = 0; id < ok.size(); id++) {
            Call c = ok.get(id);
            Entry call = new Entry(c, false, c.callPos, id);
            call.match = new Entry(c, true, c.retPos, id);
            byPos[c.callPos] = calls[id] = call;
            byPos[c.retPos] = call.match;
        }
        Entry last = head;
        for (Entry e : byPos) {
            if (e != null) {
                append(last, e);
                last = e;
            }
        }
        return calls;
    }

    /** Links indeterminate calls; in reuse mode only the first of each effect. */
    private void linkInfoEntries(Map<Effect, Integer> effects) {
        Entry last = infoHead;
        int id = 0;
        for (int i = 0; i < allInfo.size(); i++) {
            Call c = allInfo.get(i);
            Effect effect = new Effect(c.effective.f(), c.effective.value());
            Integer known = effects.putIfAbsent(effect, effects.size());
            if (known != null && reuseInfo) {
                continue;
            }
            Entry e = new Entry(c, false, c.callPos, id++);
            e.effect = known != null ? known : effects.size() - 1;
            infoEntryOf[i] = e;
            append(last, e);
            last = e;
        }
    }

    private static void append(Entry last, Entry e) {
        last.next = e;
        e.prev = last;
    }

    /** Runs the search to a verdict; on INVALID see {@link #failure()}. */
    Verdict search() {
        state = model.init();
        admit(key(state), infoDone);
        Entry resume = FRESH;
        while (head.next != null) {
            if (overBudget()) {
                return Verdict.UNKNOWN;
            }
            boolean advanced = resume == FRESH ? expandFresh() : expandFrom(resume);
            resume = advanced ? FRESH : backtrack();
            if (resume == EXHAUSTED) {
                return Verdict.INVALID;
            }
        }
        return Verdict.VALID;
    }

    /** After a VALID search: whether the linearization found uses an indeterminate call twice. */
    boolean pathReusesIndeterminate() {
        BitSet used = new BitSet();
        for (Frame f : stack) {
            Entry e = f.entry();
            if (!e.call.determinate) {
                if (used.get(e.id)) {
                    return true;
                }
                used.set(e.id);
            }
        }
        return false;
    }

    /** After an INVALID search: where the deepest attempt got stuck. */
    CheckResult.Failure failure() {
        return deepest.failure();
    }

    /** Configurations admitted to the memo (including ones later replaced by better ones). */
    long explored() {
        return admitted;
    }

    int okCount() {
        return okEntries.length;
    }

    int infoCount() {
        return allInfo.size();
    }

    String budgetCause() {
        if (stored > budget.maxStates()) {
            return "search budget of " + budget.maxStates() + " memoised states exhausted";
        }
        return "search budget of " + budget.maxMillis() + " ms exhausted";
    }

    /** At a new node: a consistent read-only candidate decides the node on its own. */
    private boolean expandFresh() {
        for (Entry e = head.next; !e.ret; e = e.next) {
            if (e.call.readOnly) {
                Object next = model.step(state, e.call.effective);
                if (!Model.isInconsistent(next)) {
                    return enter(e, next, true);
                }
            }
        }
        return expandFrom(head.next);
    }

    /** Tries the state-changing :ok candidates from {@code from} on, then indeterminate ones. */
    private boolean expandFrom(Entry from) {
        Entry e = from;
        for (; !e.ret; e = e.next) {
            if (!e.call.readOnly) {
                Object next = model.step(state, e.call.effective);
                if (!Model.isInconsistent(next) && enter(e, next, false)) {
                    return true;
                }
            }
        }
        // Every :ok call entry precedes its return, so the list always ends with a return
        // entry and e is the first unfinished response.
        deepest.note(e);
        return enterInfoChoices(e.pos);
    }

    private boolean enter(Entry e, Object next, boolean forced) {
        mark(e);
        if (!admit(key(next), infoDone)) {
            unmark(e);
            return false;
        }
        stack.add(new Frame(e, state, forced, null, -1));
        lift(e);
        state = next;
        return true;
    }

    private boolean enterInfoChoices(int limit) {
        List<Choice> choices = new ArrayList<>();
        node++;
        for (Entry e = infoHead.next; e != null && e.pos < limit; e = e.next) {
            if (effectSeen[e.effect] == node) {
                continue;
            }
            effectSeen[e.effect] = node;
            Object next = model.step(state, e.call.effective);
            if (Model.isInconsistent(next)) {
                continue;
            }
            mark(e);
            boolean fresh = admit(key(next), infoDone);
            unmark(e);
            if (fresh) {
                choices.add(new Choice(e, next));
            }
        }
        if (choices.isEmpty()) {
            return false;
        }
        enterChoice(choices, 0);
        return true;
    }

    private void enterChoice(List<Choice> choices, int i) {
        Choice c = choices.get(i);
        mark(c.entry());
        stack.add(new Frame(c.entry(), state, false, choices, i));
        lift(c.entry());
        state = c.state();
    }

    /** Undoes frames until one leaves an untried sibling; returns where to resume. */
    private Entry backtrack() {
        while (!stack.isEmpty()) {
            Frame f = stack.remove(stack.size() - 1);
            unlift(f.entry());
            unmark(f.entry());
            state = f.prevState();
            if (f.forced()) {
                continue;
            }
            if (f.choices() != null) {
                if (f.choice() + 1 < f.choices().size()) {
                    enterChoice(f.choices(), f.choice() + 1);
                    return FRESH;
                }
                continue;
            }
            return f.entry().next;
        }
        return EXHAUSTED;
    }

    // --- configuration bookkeeping -------------------------------------------------------

    private void mark(Entry e) {
        if (e.call.determinate) {
            okDone.set(e.id);
            if (e.id == base) {
                base = okDone.nextClearBit(base);
            }
        } else if (!reuseInfo) {
            infoDone.set(e.id);
        }
    }

    private void unmark(Entry e) {
        if (e.call.determinate) {
            okDone.clear(e.id);
            base = Math.min(base, e.id);
        } else if (!reuseInfo) {
            infoDone.clear(e.id);
        }
    }

    private Key key(Object next) {
        // Linearized :ok calls are all ids below base plus a few just above it (ops invoked
        // before the first unfinished response), so the window stays a handful of words.
        return new Key(base, okDone.get(base, Math.max(base, okDone.length())), next);
    }

    /** Records the configuration unless one with a subset of its indeterminate calls exists. */
    @SuppressWarnings("unchecked")
    private boolean admit(Key key, BitSet info) {
        Object prev = memo.get(key);
        if (prev == null) {
            memo.put(key, snapshot(info));
        } else if (prev instanceof BitSet one) {
            if (subset(one, info)) {
                return false;
            }
            if (subset(info, one)) {
                memo.put(key, snapshot(info));
                return countAdmitted(0);
            }
            List<BitSet> both = new ArrayList<>(2);
            both.add(one);
            both.add(snapshot(info));
            memo.put(key, both);
        } else {
            List<BitSet> all = (List<BitSet>) prev;
            for (BitSet b : all) {
                if (subset(b, info)) {
                    return false;
                }
            }
            int before = all.size();
            all.removeIf(b -> subset(info, b));
            stored -= before - all.size();
            all.add(snapshot(info));
        }
        return countAdmitted(1);
    }

    private boolean countAdmitted(int added) {
        stored += added;
        admitted++;
        return true;
    }

    private static BitSet snapshot(BitSet info) {
        return info.isEmpty() ? NO_INFO : (BitSet) info.clone();
    }

    private static boolean subset(BitSet small, BitSet big) {
        for (int i = small.nextSetBit(0); i >= 0; i = small.nextSetBit(i + 1)) {
            if (!big.get(i)) {
                return false;
            }
        }
        return true;
    }

    private void lift(Entry e) {
        if (e.call.determinate) {
            unlink(e);
            unlink(e.match);
        } else if (!reuseInfo) {
            unlink(e);
        }
    }

    private void unlift(Entry e) {
        if (e.call.determinate) {
            relink(e.match);
            relink(e);
        } else if (!reuseInfo) {
            relink(e);
        }
    }

    private static void unlink(Entry e) {
        e.prev.next = e.next;
        if (e.next != null) {
            e.next.prev = e.prev;
        }
    }

    private static void relink(Entry e) {
        e.prev.next = e;
        if (e.next != null) {
            e.next.prev = e;
        }
    }

    private boolean overBudget() {
        if (stored > budget.maxStates()) {
            return true;
        }
        return (++loops & CLOCK_CHECK_MASK) == 0 && System.nanoTime() - startNanos > budget.maxNanos();
    }

    /** The furthest point in the history at which the search got stuck. */
    private final class Deepest {
        private int pos = -1;
        private Call call;
        private int linearized;
        private List<CheckResult.PathStep> path = List.of();
        private List<Op> concurrent = List.of();
        private final List<Object> states = new ArrayList<>();

        void note(Entry stuckAt) {
            if (stuckAt.pos < pos) {
                return;
            }
            if (stuckAt.pos > pos) {
                pos = stuckAt.pos;
                call = stuckAt.call;
                linearized = okDone.cardinality();
                path = pathTail();
                concurrent = concurrentWith(stuckAt);
                states.clear();
            }
            if (states.size() < MAX_FINAL_STATES && states.stream().noneMatch(s -> Objects.equals(s, state))) {
                states.add(state);
            }
        }

        private List<CheckResult.PathStep> pathTail() {
            List<CheckResult.PathStep> tail = new ArrayList<>();
            for (int i = Math.max(0, stack.size() - PATH_TAIL); i < stack.size(); i++) {
                Object after = i + 1 < stack.size() ? stack.get(i + 1).prevState() : state;
                tail.add(new CheckResult.PathStep(stack.get(i).entry().call.shown(), after));
            }
            return tail;
        }

        /**
         * :ok ops in the window, then the most recent indeterminate ops not used on the path:
         * those stay open forever, and the old ones rarely explain anything.
         */
        private List<Op> concurrentWith(Entry stuckAt) {
            List<Op> ops = new ArrayList<>();
            for (Entry e = head.next; e != stuckAt && ops.size() < MAX_CONCURRENT_OK; e = e.next) {
                if (!e.ret && e.call != stuckAt.call) {
                    ops.add(e.call.shown());
                }
            }
            int shown = 0;
            for (int i = allInfo.size() - 1; i >= 0 && shown < MAX_CONCURRENT_INFO; i--) {
                Entry e = infoEntryOf[i];
                boolean used = e != null && !reuseInfo && infoDone.get(e.id);
                if (allInfo.get(i).callPos < stuckAt.pos && !used) {
                    ops.add(allInfo.get(i).shown());
                    shown++;
                }
            }
            return ops;
        }

        CheckResult.Failure failure() {
            List<CheckResult.FinalState> finals = new ArrayList<>();
            for (Object s : states) {
                Object r = model.step(s, call.effective);
                String why = r instanceof Model.Inconsistent inc ? inc.reason()
                        : "allowed here, but no linearization of the remaining ops continues from it";
                finals.add(new CheckResult.FinalState(s, why));
            }
            return new CheckResult.Failure(call.invoke, call.completion, linearized, okEntries.length,
                    path, previousOk(), concurrent, finals);
        }

        private Op previousOk() {
            Call best = null;
            for (Entry e : okEntries) {
                Call c = e.call;
                if (c.retPos < call.retPos && (best == null || c.retPos > best.retPos)) {
                    best = c;
                }
            }
            return best == null ? null : best.completion;
        }
    }
}
