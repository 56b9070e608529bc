;; fadd_d.s: TBs of one module, guest code at 0x10000
;; TB 2
;;   0x10000  fadd.d fa0,fa1,fa2
(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (import "env" "mem" (memory (;0;) 1))
  (import "env" "tbl" (table (;0;) 1 funcref))
  (export "2" (func 1))
  (elem (i32.const 2) func 1)
  (func (;0;) (type 1) (param i32) (result i32)
    (local i64 i32 i64 i32 i64 i64 i64 f64 i64 f64 i64 f64 f64 i32 i64 i32 i32)
    i32.const 0
    i64.load offset=4104
    local.set 5
    i32.const 0
    i64.load offset=4688
    local.set 15
    i32.const 0
    i64.load offset=4696
    local.set 9
    i32.const 0
    i64.load offset=4704
    local.set 11
    block
      block
        block
          loop
            block
              local.get 0
              br_table 0 0
            end
            local.get 5
            i64.const 1
            i64.sub
            local.tee 7
            i64.const 0
            i64.lt_s
            if
              i64.const 65536
              local.set 1
              i32.const 3
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 7
            local.set 5
            i32.const 0
            i32.load offset=4876
            if
              i64.const 65536
              local.set 1
              i32.const 11
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 9
            f64.reinterpret_i64
            local.set 8
            local.get 11
            f64.reinterpret_i64
            local.set 10
            local.get 8
            local.get 10
            f64.add
            local.tee 12
            f64.abs
            f64.const 4.49423283715579e+307
            f64.lt
            i32.eqz
            if
              i64.const 65536
              local.set 1
              i32.const 11
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 12
            local.get 8
            f64.sub
            local.set 13
            local.get 8
            local.get 12
            local.get 13
            f64.sub
            f64.sub
            local.get 10
            local.get 13
            f64.sub
            f64.add
            f64.const 0.0
            f64.ne
            if
              i32.const 1
              local.set 14
              i32.const 0
              i32.const 0
              i32.load offset=4872
              local.get 14
              i32.or
              i32.store offset=4872
            end
            local.get 12
            i64.reinterpret_f64
            local.set 15
            i64.const 65540
            local.set 1
            i32.const 131088
            local.set 4
            br 3
          end
          unreachable
        end
        i32.const 0
        local.get 5
        i64.store offset=4104
        i32.const 0
        local.get 15
        i64.store offset=4688
        i32.const 0
        local.get 1
        i64.store offset=4864
        i32.const 0
        local.get 3
        i64.store offset=4096
        local.get 2
        return
      end
      i32.const 0
      local.get 5
      i64.store offset=4104
      i32.const 0
      local.get 15
      i64.store offset=4688
      i32.const 0
      local.get 1
      i64.store offset=4864
      local.get 1
      local.get 1
      i64.const 16
      i64.shr_u
      i64.xor
      i32.wrap_i64
      i32.const 1
      i32.shr_u
      i32.const 65535
      i32.and
      i32.const 4
      i32.shl
      local.tee 14
      i64.load offset=1048576
      local.get 1
      i64.eq
      if
        local.get 14
        i32.load offset=1048584
        local.tee 16
        if
          local.get 16
          return_call_indirect (type 0)
        end
      end
      i32.const 0
      i32.load offset=4140
      local.tee 16
      if
        local.get 16
        return_call_indirect (type 0)
      end
      i32.const 2
      return
    end
    i32.const 0
    local.get 5
    i64.store offset=4104
    i32.const 0
    local.get 15
    i64.store offset=4688
    i32.const 0
    local.get 1
    i64.store offset=4864
    local.get 4
    i32.load
    local.tee 17
    if
      local.get 17
      return_call_indirect (type 0)
    end
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 3
    i32.shr_u
    i32.store offset=4128
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 2
    i32.shr_u
    i32.const 1
    i32.and
    i32.store offset=4132
    i32.const 1
    return
    unreachable
  )
  (func (;1;) (type 0) (result i32)
    i32.const 0
    return_call 0
  )
)
